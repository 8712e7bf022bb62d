// A pair of real pseudo-terminals joined by socat: the gateway opens one end as if it were /dev/ttyUSB0,
// a simulator speaks the device's protocol on the other. Killing socat is how tests "unplug" a USB adapter.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PtyPairOptions {
  /** Where the two symlinks go; a fresh temp dir by default. */
  dir?: string
  /** Base name of the links: `${name}` (gateway side) and `${name}.dev` (device side). */
  name?: string
}

export class PtyPair {
  readonly dir: string
  /** The path the gateway opens (put it in the gateway's config). */
  readonly gatewayPath: string
  /** The path a simulator opens. */
  readonly devicePath: string
  private proc: ChildProcess | null = null
  private readonly ownsDir: boolean

  constructor(opts: PtyPairOptions = {}) {
    this.ownsDir = !opts.dir
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'estate-gate-pty-'))
    const name = opts.name ?? 'tty'
    this.gatewayPath = join(this.dir, name)
    this.devicePath = join(this.dir, `${name}.dev`)
  }

  static async open(opts: PtyPairOptions = {}): Promise<PtyPair> {
    const pair = new PtyPair(opts)
    await pair.start()
    return pair
  }

  get running(): boolean {
    return this.proc !== null
  }

  /** Starts socat and resolves once both links exist and data flows ("starting data transfer loop"). */
  start(): Promise<void> {
    if (this.proc) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const args = [
        '-d',
        '-d',
        `pty,raw,echo=0,link=${this.gatewayPath}`,
        `pty,raw,echo=0,link=${this.devicePath}`,
      ]
      let proc: ChildProcess
      try {
        proc = spawn('socat', args, { stdio: ['ignore', 'ignore', 'pipe'] })
      } catch (err) {
        reject(err as Error)
        return
      }
      this.proc = proc
      let stderr = ''
      let settled = false
      const timer = setTimeout(() => fail(new Error(`socat did not start within 5 s: ${stderr}`)), 5000)
      const fail = (err: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.proc = null
        proc.kill('SIGKILL')
        reject(err)
      }
      proc.on('error', (err) =>
        fail(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? new Error('socat is not installed (apt-get install -y socat): serial tests and simulators need it')
            : err,
        ),
      )
      proc.stderr!.on('data', (d: Buffer) => {
        if (settled) return
        stderr += d.toString()
        if (stderr.includes('starting data transfer loop')) {
          settled = true
          clearTimeout(timer)
          resolve()
        }
      })
      proc.on('exit', () => {
        if (this.proc === proc) this.proc = null
        fail(new Error(`socat exited: ${stderr}`))
      })
    })
  }

  /**
   * Simulates an unplugged adapter: socat dies without cleaning up, both ptys go away and the
   * links are removed, as /dev/ttyUSB0 disappears when a USB adapter is pulled.
   */
  async unplug(): Promise<void> {
    const proc = this.proc
    if (!proc) return
    this.proc = null
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGKILL')
    })
    for (const p of [this.gatewayPath, this.devicePath]) {
      try {
        unlinkSync(p)
      } catch {
        /* already gone */
      }
    }
  }

  /** Plugs the "adapter" back in: same link paths, new ptys. */
  async replug(): Promise<void> {
    await this.start()
  }

  async close(): Promise<void> {
    const proc = this.proc
    this.proc = null
    if (proc) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      })
    }
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true })
  }
}
