// Scanner drivers over SerialPortMock.binding: fast checks of framing, counters, health and the GM65 start-up.
import { afterEach, describe, expect, it } from 'vitest'
import { scannerSchema } from '../../devices/config.ts'
import { Gm65Scanner } from '../../devices/scanners/gm65.ts'
import { LineScanner } from '../../devices/scanners/line.ts'
import type { DeviceHealth, Scanner, ScanRead } from '../../devices/types.ts'
import { FakeGm65, gm65Reply } from './fakeDevices.ts'
import { mockSerial, sleep, testCtx, waitFor } from './helpers.ts'

const mock = mockSerial()
const started: Scanner[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()))
  mock.reset()
})

function collect(s: Scanner) {
  const scans: ScanRead[] = []
  const health: DeviceHealth[] = []
  s.onScan((r) => scans.push(r))
  s.onHealth((h) => health.push(h))
  started.push(s)
  return { scans, health }
}

const cfg = (path: string, extra: Record<string, unknown> = {}) =>
  scannerSchema.parse({ name: 'scanner-in', driver: 'line', path, direction: 'in', ...extra })

describe('LineScanner (mock binding)', () => {
  it('delivers codes with both clocks and never logs their text', async () => {
    mock.create('/dev/scanA')
    const ctx = testCtx('debug')
    const s = new LineScanner(cfg('/dev/scanA'), ctx, { binding: mock.binding })
    const { scans } = collect(s)
    await s.start()
    expect(s.health()).toMatchObject({ online: true, kind: 'scanner', driver: 'line', info: { path: '/dev/scanA', baudRate: 9600 } })
    const t0 = performance.now()
    mock.emit('/dev/scanA', 'SECRET-PASS-123\r\n')
    await waitFor(() => scans.length === 1, 'scan')
    expect(scans[0]).toMatchObject({ scanner: 'scanner-in', text: 'SECRET-PASS-123' })
    expect(scans[0]!.mono).toBeGreaterThanOrEqual(t0)
    expect(Math.abs(scans[0]!.at - Date.now())).toBeLessThan(1000)
    expect(s.health().counters).toMatchObject({ scans: 1, bytesIn: 17 })
    expect(s.health().lastSeen).not.toBeNull()
    expect(ctx.text()).not.toContain('SECRET')
    expect(ctx.lines.some((l) => l.msg === 'scan' && l.length === 15)).toBe(true)
  })

  it('rejects garbage, counts it, and delivers the next code', async () => {
    mock.create('/dev/scanB')
    const s = new LineScanner(cfg('/dev/scanB', { maxLength: 16 }), testCtx(), { binding: mock.binding })
    const { scans } = collect(s)
    await s.start()
    mock.emit('/dev/scanB', Buffer.from([0xff, 0xfe, 0x80, 0x0d]))
    mock.emit('/dev/scanB', 'z'.repeat(100) + '\r')
    mock.emit('/dev/scanB', 'GOOD\r')
    await waitFor(() => scans.length === 1, 'good scan')
    expect(scans.map((x) => x.text)).toEqual(['GOOD'])
    expect(s.health().counters).toMatchObject({ badUtf8: 1, tooLong: 1, scans: 1 })
  })

  it('ends a code sent without a tail after idleMs, stamped with its last byte', async () => {
    mock.create('/dev/scanC')
    const s = new LineScanner(cfg('/dev/scanC', { idleMs: 30 }), testCtx(), { binding: mock.binding })
    const { scans } = collect(s)
    await s.start()
    mock.emit('/dev/scanC', 'NO')
    await sleep(10)
    mock.emit('/dev/scanC', 'TAIL')
    await waitFor(() => scans.length === 1, 'idle-ended scan')
    expect(scans[0]!.text).toBe('NOTAIL')
    expect(performance.now() - scans[0]!.mono).toBeGreaterThanOrEqual(25)
  })

  it('goes offline when the port is lost and online again when it reopens', async () => {
    mock.create('/dev/scanD')
    const s = new LineScanner(cfg('/dev/scanD'), testCtx(), { binding: mock.binding })
    const { health, scans } = collect(s)
    await s.start()
    mock.emit('/dev/scanD', 'HALF')
    mock.unplug('/dev/scanD')
    await waitFor(() => !s.health().online, 'offline')
    expect(s.health().lastError).toMatch(/disconnected/)
    await waitFor(() => s.health().online, 'online again')
    expect(health.map((h) => h.online)).toEqual([true, false, true])
    mock.emit('/dev/scanD', 'WHOLE\r')
    await waitFor(() => scans.length === 1, 'scan after reconnect')
    expect(scans[0]!.text).toBe('WHOLE') // the half code before the unplug was dropped
    expect(s.health().counters.reopens).toBe(1)
  })

  it('starts without its port (offline, with the reason) and never rejects', async () => {
    const s = new LineScanner(cfg('/dev/nothere'), testCtx(), { binding: mock.binding })
    collect(s)
    await expect(s.start()).resolves.toBeUndefined()
    expect(s.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/cannot open \/dev\/nothere/) })
  })

  it('a throwing scan listener does not stop the others', async () => {
    mock.create('/dev/scanE')
    const s = new LineScanner(cfg('/dev/scanE'), testCtx(), { binding: mock.binding })
    s.onScan(() => {
      throw new Error('listener bug')
    })
    const { scans } = collect(s)
    await s.start()
    mock.emit('/dev/scanE', 'A\rB\r')
    await waitFor(() => scans.length === 2, 'two scans')
  })
})

describe('Gm65Scanner (mock binding)', () => {
  const gcfg = (path: string, extra: Record<string, unknown> = {}) => cfg(path, { driver: 'gm65', ...extra })

  function setup(path: string, device: FakeGm65) {
    mock.create(path)
    mock.respond(path, (w, reply) => device.feed(w, reply))
    const s = new Gm65Scanner(gcfg(path), testCtx(), { binding: mock.binding, replyTimeoutMs: 50 })
    return { s, ...collect(s) }
  }

  it('forces UART output and a CR tail by read-modify-write, saves once, reads the versions', async () => {
    const dev = new FakeGm65({ 0x0d: 0x05, 0x60: 0xe0 }) // USB output + encoding bits; tail "none", disabled, bit 7 set
    const { s } = setup('/dev/gmA', dev)
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    expect(dev.zones[0x0d]).toBe(0x04) // bits 1-0 cleared, encoding bits kept
    expect(dev.zones[0x60]).toBe(0x81) // bits 6-5 = 00 (CR), bit 0 = 1, bit 7 kept
    expect(dev.saves).toBe(1)
    expect(s.health().info).toMatchObject({ configured: true, saved: true, hardwareVersion: 'V1.00', softwareVersion: 'V1.40', baudRate: 9600 })
  })

  it('does not write or save when the module is already right', async () => {
    const dev = new FakeGm65()
    const { s } = setup('/dev/gmB', dev)
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    expect(dev.commands.filter((c) => c.type !== 0x07)).toEqual([])
    expect(dev.saves).toBe(0)
  })

  it('retries at 115200 when the module does not answer at the configured rate', async () => {
    const dev = new FakeGm65()
    const { s } = setup('/dev/gmC', dev)
    dev.answering = () => mock.isOpen('/dev/gmC') && (mock.port('/dev/gmC').port as { openOpt?: { baudRate: number } }).openOpt?.baudRate === 115200
    await s.start()
    await waitFor(() => s.health().online, 'configured at 115200', 3000)
    expect(s.health().info.baudRate).toBe(115200)
    expect(s.health().counters.commandTimeouts).toBe(3)
  })

  it('is offline with a clear reason when nothing answers, until a scan proves it alive', async () => {
    const dev = new FakeGm65()
    dev.answering = () => false
    const { s, scans } = setup('/dev/gmD', dev)
    await s.start()
    await waitFor(() => s.health().counters.commandTimeouts === 6, 'six probe timeouts', 3000)
    await waitFor(() => s.health().lastError !== null, 'error')
    expect(s.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/no reply to a read of zone 0x000D at 9600 or 115200/) })
    mock.emit('/dev/gmD', 'LIVE\r')
    await waitFor(() => scans.length === 1, 'scan')
    expect(s.health().online).toBe(true)
  })

  it('trigger() waits for the ACK; the scan that follows is delivered', async () => {
    const dev = new FakeGm65()
    dev.scanOnTrigger = 'TRIGGERED\r'
    const { s, scans } = setup('/dev/gmE', dev)
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    await s.trigger()
    await waitFor(() => scans.length === 1, 'scan')
    expect(scans[0]!.text).toBe('TRIGGERED')
    expect(dev.zones[0x02]).toBe(1)
  })

  it('trigger() rejects with what it expected when there is no ACK', async () => {
    const dev = new FakeGm65()
    const { s } = setup('/dev/gmF', dev)
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    dev.answering = () => false
    await expect(s.trigger()).rejects.toThrow(/expected an acknowledgement of the trigger/)
  })

  it('counts a stray reply and never makes it a scan; a scan during a command is still a scan', async () => {
    const dev = new FakeGm65()
    const { s, scans } = setup('/dev/gmG', dev)
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    mock.emit('/dev/gmG', gm65Reply([0x00]))
    await waitFor(() => s.health().counters.strayReply === 1, 'stray counted')
    // The module answers after a scan it was already sending.
    mock.respond('/dev/gmG', (w, reply) => {
      reply('DURING\r')
      dev.feed(w, reply)
    })
    await s.trigger()
    await waitFor(() => scans.length === 1, 'scan')
    expect(scans.map((x) => x.text)).toEqual(['DURING'])
  })

  it('accepts replies whose CRC does not match, and counts them', async () => {
    const dev = new FakeGm65()
    dev.constantCrc = true
    const { s } = setup('/dev/gmH', dev)
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    expect(s.health().counters.replyCrcMismatch).toBeGreaterThan(0)
    expect(s.health().info.softwareVersion).toBe('V1.40')
  })

  it('without configure it is online while the port is open and sends nothing', async () => {
    mock.create('/dev/gmI')
    const s = new Gm65Scanner(gcfg('/dev/gmI', { configure: false }), testCtx(), { binding: mock.binding })
    collect(s)
    await s.start()
    expect(s.health().online).toBe(true)
    await sleep(20)
    expect(mock.writes('/dev/gmI')).toEqual([])
  })
})
