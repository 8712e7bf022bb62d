// Driver `simulated`: the level comes from `levelFile`, polled every 50 ms, so the simulators' CLI, the demo, tests
// and outside checks can drive it without hardware: a missing file is inactive, "0" inactive, "1" active (spaces
// and a newline around it allowed); anything else is a counted read error and leaves the level as it was.
// `set(active)` writes the file too (the demo, in-process tests), so the file stays the one truth.
// The level goes through the same debouncing as a gpio input's, so a test sees what a real contact would give.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { InputConfig } from '../config.ts'
import type { DeviceContext } from '../types.ts'
import { InputDevice } from './inputDevice.ts'

export const LEVEL_POLL_MS = 50

/** Where a simulated input without `levelFile` reads its level: the gateway resolves this against its dataDir. */
export function defaultLevelFile(dataDir: string, name: string): string {
  return join(dataDir, 'inputs', `${name}.level`)
}

/** The level a level file's content means, or null if it means nothing ("", "2", "on"). */
export function parseLevel(text: string): boolean | null {
  const m = /^\s*([01])\s*$/.exec(text)
  return m ? m[1] === '1' : null
}

/** Writes a level file atomically (a temporary file renamed over it), so a poll never reads it half-written. */
export function writeLevelFile(path: string, active: boolean): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, active ? '1\n' : '0\n')
  renameSync(tmp, path)
}

export class SimulatedInput extends InputDevice {
  readonly levelFile: string
  private timer: NodeJS.Timeout | null = null
  private reading = false
  private running = false
  /** Bumped by set(): a poll that began before it reads an older file and must not undo it. */
  private generation = 0

  /** `cfg.levelFile` must be set (createInput refuses a simulated input without one). */
  constructor(cfg: InputConfig & { levelFile: string }, ctx: DeviceContext) {
    super(cfg, ctx, 'simulated')
    this.levelFile = resolve(cfg.levelFile)
    Object.assign(this.state.info, { simulated: true, levelFile: this.levelFile, pollMs: LEVEL_POLL_MS })
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    await this.poll()
    this.state.setOnline(true)
    this.timer = setInterval(() => void this.poll(), LEVEL_POLL_MS)
    // A background poll must not keep a process alive by itself.
    this.timer.unref()
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.forget()
    this.state.setOnline(false, 'stopped')
  }

  /** Sets the level now (through debouncing, as a contact would) and writes it to the level file. Throws if that write fails. */
  set(active: boolean): void {
    writeLevelFile(this.levelFile, active)
    this.generation++
    if (this.running) this.observe(active)
  }

  private async poll(): Promise<void> {
    if (this.reading) return
    this.reading = true
    const generation = this.generation
    const mono = this.clock.mono()
    let text: string | null
    try {
      text = await readFile(this.levelFile, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      text = code === 'ENOENT' ? '0' : null
      if (text === null) this.readError(`reading ${this.levelFile} failed: ${(err as Error).message}`)
    } finally {
      this.reading = false
    }
    if (!this.running || text === null || generation !== this.generation) return
    const level = parseLevel(text)
    if (level === null) {
      this.readError(`${this.levelFile}: expected 0 or 1, got ${JSON.stringify(text.slice(0, 40))}`)
      return
    }
    this.observe(level, mono)
  }
}
