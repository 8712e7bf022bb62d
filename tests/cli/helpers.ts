// Running estate-gate two ways: in-process through `run()` with a captured context (fast; argument errors, and
// devices on real ptys), and as a real process the way a technician types it (help, exit codes, signals).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { run, type CliContext } from '../../gateway/cli.ts'
import { systemClock } from '../../devices/types.ts'

export const ROOT = resolve(import.meta.dirname, '../..')

export interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

export function tempDir(prefix = 'estate-gate-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** `estate-gate ARGS` in this process; `more` adds or replaces parts of the context (cwd, hardware, stdin). */
export async function runCli(args: string[], more: Partial<CliContext> = {}): Promise<Ran> {
  let stdout = ''
  let stderr = ''
  const ctx: CliContext = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    clock: systemClock,
    cwd: ROOT,
    ...more,
  }
  const code = await run(args, ctx)
  return { code, stdout, stderr }
}

/** A running `estate-gate …` process from the sources: node with tsx's loader, as `npm run cli` runs it. */
export class CliProcess {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>

  private constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d))
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d))
    this.exited = new Promise((res) => proc.on('close', (code) => res(code)))
  }

  static start(args: string[], opts: { cwd?: string } = {}): CliProcess {
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href
    return new CliProcess(spawn(process.execPath, ['--import', loader, join(ROOT, 'gateway/cli.ts'), ...args], { cwd: opts.cwd ?? ROOT }))
  }

  /** Waits until stdout matches; returns the first capture group (or the whole match). */
  async waitFor(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = re.exec(this.stdout)
      if (m) return m[1] ?? m[0]
      if (Date.now() > deadline || this.proc.exitCode !== null) {
        throw new Error(`no ${re} in stdout:\n${this.stdout}\nstderr:\n${this.stderr}\nexit: ${this.proc.exitCode}`)
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async result(): Promise<Ran> {
    const code = await this.exited
    return { code, stdout: this.stdout, stderr: this.stderr }
  }

  /**
   * Stops it if it still runs (a test that failed half-way must not leave it behind): SIGTERM first, so that
   * `sim` passes it on and the simulator closes its socat; SIGKILL if that did not end it.
   */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    this.proc.kill('SIGTERM')
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000)
    await this.exited
    clearTimeout(timer)
  }
}

/** Runs `estate-gate ARGS` to completion as a process. */
export function cliProcess(args: string[], opts: { cwd?: string } = {}): Promise<Ran> {
  return CliProcess.start(args, opts).result()
}
