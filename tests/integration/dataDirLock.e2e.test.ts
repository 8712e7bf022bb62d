// One gateway per dataDir (real processes): a second start on the same dataDir stops at once with exit 2, naming
// the dataDir and the PID holding it, before it opens a device or the store (no log line, no boot counted, nothing
// queued); the export CLI and check-config still read the running gateway's files; a kill -9 leaves no lock behind.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { freePort, GatewayProcess, runGateway, tempDir } from '../helpers/gatewayProcess.ts'
import { cliProcess } from '../cli/helpers.ts'

let gws: GatewayProcess[] = []
afterEach(async () => {
  for (const g of gws) await g.stop('SIGKILL')
  gws = []
})

const day = (ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms)

describe('the dataDir lock (real gateway processes)', () => {
  it('refuses a second gateway on the same dataDir with exit 2 and the holder’s PID, untouched; a kill -9 frees it', async () => {
    const dir = tempDir()
    const config = { localBroker: { enabled: false }, log: { level: 'info' } }
    const first = await GatewayProcess.start(config, { dir })
    gws.push(first)
    const meta = (g: GatewayProcess, key: string): string | undefined => g.query<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key)[0]?.value
    const lastSeq = (g: GatewayProcess): number => g.query<{ seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`)[0]?.seq ?? 0
    const boots = meta(first, 'boot_count')
    const seq = lastSeq(first)
    expect(readFileSync(join(first.dataDir, 'estate-gate.pid'), 'utf8').trim()).toBe(String(first.child.pid))

    // The same dataDir on another kiosk port (so no port clash can stop it first), as a second unit or a second shell would.
    const second = join(dir, 'second.yaml')
    writeFileSync(second, stringify({ ...config, dataDir: first.dataDir, kiosk: { host: '127.0.0.1', port: await freePort() } }))
    const res = await runGateway(['--config', second], { timeoutMs: 20_000 })
    expect(res.code).toBe(2)
    expect(res.stderr).toContain(`the data directory ${first.dataDir} is in use by another estate-gate (PID ${first.child.pid})`)
    expect(res.stderr).toMatch(/nothing was started\.\n$/)
    // Nothing of a gateway ran: no log line (no device started, no relay), no boot counted, nothing queued.
    expect(res.stdout).toBe('')
    expect(meta(first, 'boot_count')).toBe(boots)
    expect(lastSeq(first)).toBe(seq)
    expect((await first.health()).status).not.toBe('down')

    // Reading the database while the gateway runs still works: check-config and the export.
    const gatewayYaml = join(dir, 'gateway.yaml')
    expect(await cliProcess(['check-config', gatewayYaml])).toMatchObject({ code: 0 })
    const exported = await cliProcess(['export', '--from', day(Date.now() - 86_400_000), '--to', day(Date.now() + 86_400_000), '--config', gatewayYaml])
    expect(exported).toMatchObject({ code: 0, stderr: '' })

    // kill -9: the OS drops the lock with the process; the pid file it left does not block the next start.
    await first.stop('SIGKILL')
    const third = await GatewayProcess.start(config, { dir })
    gws.push(third)
    expect(meta(third, 'boot_count')).toBe(String(Number(boots) + 1))
    expect(readFileSync(join(third.dataDir, 'estate-gate.pid'), 'utf8').trim()).toBe(String(third.child.pid))

    // A clean stop releases it too.
    expect((await third.stop('SIGTERM')).code).toBe(0)
    const fourth = await GatewayProcess.start(config, { dir })
    gws.push(fourth)
    expect(meta(fourth, 'boot_count')).toBe(String(Number(boots) + 2))
  }, 90_000)
})
