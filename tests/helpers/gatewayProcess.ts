// Runs the real gateway (`gateway/main.ts`) as a child process, as `npm start -- --config FILE` does, and gives
// tests its logs, its /healthz and its SQLite file.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { stringify } from 'yaml'
import { freePort } from '../../cloud-bridge/mosquitto.ts'

export { freePort }

export const ROOT = resolve(import.meta.dirname, '../..')

/** package.json's start script: `VAR=value ... node FLAGS dist/main.js`. */
const startScript = (): string => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start

/** Node's own options in the start script (between `node` and `dist/main.js`): a 1 MB young generation. */
export function startNodeFlags(): string[] {
  const words = startScript().split(/\s+/)
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/main.js'))
}

/** The environment `npm start` sets before node (the start script's `VAR=value` words). */
export function startScriptEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const m of startScript().matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=(\S+)(?=\s)/g)) env[m[1]!] = m[2]!
  return env
}

/**
 * `node` with tsx's loader, not the `tsx` command: that one runs the program as a child process, so a SIGKILL
 * sent to the pid we hold would kill only the wrapper and leave the gateway running.
 */
export function gatewayCommand(args: string[], o: { built?: boolean } = {}): [string, string[]] {
  // The bench and the soak measure what a gate runs: plain node on dist/ (built by the tests' global setup, or
  // `npm run build`), with npm start's flags; tests run the sources, with the same flags.
  if (o.built) return [process.execPath, [...startNodeFlags(), join(ROOT, 'dist/main.js'), ...args]]
  const tsx = join(ROOT, 'node_modules/tsx/dist')
  return [process.execPath, [...startNodeFlags(), '--require', join(tsx, 'preflight.cjs'), '--import', pathToFileURL(join(tsx, 'loader.mjs')).href, join(ROOT, 'gateway/main.ts'), ...args]]
}


/**
 * The devices block of a gate on ptys: line scanners (in, and out when given) and a Modbus thermometer answering as
 * the simulator's defaults (unit 1, function 4, register 0, scale 0.01), with simulated relay and buzzer.
 */
export function ptyGateDevices(o: { inPath: string; outPath?: string; thermoPath: string; pulseMs?: number }): Record<string, unknown> {
  return {
    scanners: [
      { name: 'scanner-in', driver: 'line', path: o.inPath, direction: 'in' },
      ...(o.outPath ? [{ name: 'scanner-out', driver: 'line', path: o.outPath, direction: 'out' }] : []),
    ],
    thermometers: [{ name: 'thermo-in', driver: 'modbus-rtu', path: o.thermoPath, unitId: 1, function: 4, register: 0, scale: 0.01, timeoutMs: 300 }],
    relays: [{ name: 'gate', driver: 'simulated', pulseMs: o.pulseMs ?? 500 }],
    buzzers: [{ name: 'buzzer', driver: 'simulated' }],
  }
}

export function tempDir(prefix = 'estate-gate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface ExitResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the gateway to completion (for start-up errors). */
export function runGateway(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExitResult> {
  return new Promise((res) => {
    const [cmd, argv] = gatewayCommand(args)
    const child = spawn(cmd, argv, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      res({ code, signal, stdout, stderr })
    })
  })
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number }

export class GatewayProcess {
  readonly logs: LogLine[] = []
  stderr = ''
  private exited: Promise<ExitResult>
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = []

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {
    let stdout = ''
    let partial = ''
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      partial += d.toString()
      const lines = partial.split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        let parsed: LogLine
        try {
          parsed = JSON.parse(line) as LogLine
        } catch {
          parsed = { msg: line }
        }
        this.logs.push(parsed)
        this.waiters = this.waiters.filter((w) => (w.match(parsed) ? (w.resolve(parsed), false) : true))
      }
    })
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()))
    this.exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal, stdout, stderr: this.stderr })))
  }

  /** Writes `config` (plus a free kiosk port and a temp dataDir unless given) and starts the gateway. */
  static async start(config: Record<string, unknown>, opts: { dir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GatewayProcess> {
    const dir = opts.dir ?? tempDir()
    const port = await freePort()
    const full = {
      dataDir: join(dir, 'data'),
      ...config,
      kiosk: { host: '127.0.0.1', port, ...(config.kiosk as object | undefined) },
      log: { level: 'debug', ...(config.log as object | undefined) },
    }
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, stringify(full))
    const [cmd, argv] = gatewayCommand(['--config', file])
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...opts.env } })
    const gp = new GatewayProcess(child, `http://127.0.0.1:${port}`, full.dataDir as string)
    await gp.waitReady()
    return gp
  }

  private async waitReady(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let exited: ExitResult | null = null
    void this.exited.then((e) => (exited = e))
    while (Date.now() < deadline) {
      if (exited) throw new Error(`gateway exited during start-up (${JSON.stringify(exited)})`)
      try {
        const res = await fetch(`${this.url}/healthz`)
        if (res.ok) return
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`gateway not ready within ${timeoutMs} ms; stderr: ${this.stderr}`)
  }

  async health(): Promise<{ status: string; components: Record<string, Record<string, unknown> & { counters?: Record<string, number> }> }> {
    const res = await fetch(`${this.url}/healthz`)
    return (await res.json()) as never
  }

  /** Resolves with the first log line at index `from` or later (past or future) that matches. */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs = 10_000, from = 0): Promise<LogLine> {
    const seen = this.logs.slice(from).find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no matching log line within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({ match, resolve: (l) => (clearTimeout(timer), res(l)) })
    })
  }

  /** Polls until `check` returns a value that is not undefined. */
  async until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const v = await check()
      if (v !== undefined) return v
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** Reads the gateway's SQLite file while it runs (WAL allows a concurrent reader). */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(join(this.dataDir, 'estate-gate.db'), { readonly: true, fileMustExist: true })
    try {
      return db.prepare(sql).all(...params) as T[]
    } finally {
      db.close()
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    return this.exited
  }
}
