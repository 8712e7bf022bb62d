// A real mosquitto on a loopback port, for the bridge tests and the drain bench (test infrastructure, not used by
// the gateway). Start fails loudly when the binary is missing: a test that needs a broker must not pass without one.
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface MosquittoOptions {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number
  /** Keep sessions, subscriptions and queued messages across stop/restart (saved on a graceful stop). */
  persistence?: boolean
  /** ACL file contents (mosquitto acl_file syntax); lines before any `user` line apply to anonymous clients. */
  acl?: string
  /** Password file contents (made by mosquitto_passwd); anonymous clients are then refused. */
  passwordFile?: string
  /** More mosquitto.conf lines. */
  extraConfig?: readonly string[]
  binary?: string
}

/**
 * Broker defaults chosen for tests and benches, not production: a QoS 1 subscriber that falls behind must not have
 * messages dropped by the broker's per-client queue (max_queued_messages, 1000 by default), and MQTT 5 clients are
 * told receive-maximum = max_inflight_messages (20 by default), which would cap the bridge's window.
 * Not `max_queued_messages 0` ("no limit"): mosquitto 2.0.11 then closes the connection after any refused publish.
 */
const BASE_CONFIG = [
  'max_queued_messages 10000000',
  'max_inflight_messages 1000',
  'log_type error',
  'log_type warning',
]

/** Brokers still running, killed when this process exits (a crashed test must not leave brokers behind). */
const live = new Set<ChildProcess>()
let exitHook = false

export class Mosquitto {
  private proc: ChildProcess | null = null
  private output = ''

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly configFile: string,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`
  }

  /** The broker's process id while it runs (the drain bench reads its CPU time). */
  get pid(): number | undefined {
    return this.proc?.pid
  }

  /** The broker's recent stderr, for failure messages. */
  get log(): string {
    return this.output
  }

  static async start(opts: MosquittoOptions = {}): Promise<Mosquitto> {
    const port = opts.port ?? (await freePort())
    const dir = mkdtempSync(join(tmpdir(), 'estate-gate-mosquitto-'))
    // mosquitto started as root drops to the `mosquitto` user, which must still read (and persist into) this directory.
    chmodSync(dir, 0o777)
    const lines = [`listener ${port} 127.0.0.1`, ...BASE_CONFIG]
    if (opts.persistence) lines.push('persistence true', `persistence_location ${dir}/`, 'autosave_interval 0')
    else lines.push('persistence false')
    if (opts.passwordFile !== undefined) {
      writeFileSync(join(dir, 'passwd'), opts.passwordFile, { mode: 0o644 })
      lines.push('allow_anonymous false', `password_file ${join(dir, 'passwd')}`)
    } else lines.push('allow_anonymous true')
    if (opts.acl !== undefined) {
      writeFileSync(join(dir, 'acl'), opts.acl, { mode: 0o644 })
      lines.push(`acl_file ${join(dir, 'acl')}`)
    }
    lines.push(...(opts.extraConfig ?? []))
    const configFile = join(dir, 'mosquitto.conf')
    writeFileSync(configFile, lines.join('\n') + '\n', { mode: 0o644 })
    const m = new Mosquitto(port, dir, configFile, opts.binary ?? '/usr/sbin/mosquitto')
    try {
      await m.launch()
    } catch (err) {
      await m.dispose()
      throw err
    }
    return m
  }

  private async launch(): Promise<void> {
    const proc = spawn(this.binary, ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] })
    this.proc = proc
    live.add(proc)
    proc.once('exit', () => live.delete(proc))
    if (!exitHook) {
      exitHook = true
      process.once('exit', () => {
        for (const p of live) p.kill('SIGKILL')
      })
    }
    proc.stderr?.on('data', (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-16_384)
    })
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', (err) => reject(new Error(`cannot start ${this.binary}: ${err.message}`)))
      proc.once('exit', (code, signal) => reject(new Error(`mosquitto exited at start (${code ?? signal}): ${this.output.trim()}`)))
    })
    exited.catch(() => {})
    await Promise.race([waitForPort(this.port, 5000), exited])
  }

  /** Graceful stop (SIGTERM): with persistence, sessions and queued messages are saved. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM')
  }

  /** Abrupt stop (SIGKILL): nothing is saved. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL')
  }

  /** Killed (SIGKILL: a crash, a power cut of the broker's host) and started again on the same port and config. */
  async crashAndRestart(): Promise<void> {
    await this.kill()
    await this.launch()
  }

  /** Stop and start again on the same port and config. */
  async restart(): Promise<void> {
    await this.stop()
    await this.launch()
  }

  /** Stop and remove the temp directory. */
  async dispose(): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const proc = this.proc
    this.proc = null
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill(sig)
    await gone
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Resolves once a TCP connection to the port succeeds. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' })
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`mosquitto did not accept connections on port ${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
