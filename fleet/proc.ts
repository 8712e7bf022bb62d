// CPU and memory of processes and of the whole machine, from /proc (Linux). The fleet run reports what the gates,
// the consumer and the broker each cost, and how busy the rest of the shared machine was meanwhile.
import { readFileSync } from 'node:fs'

/** USER_HZ is 100 on every Linux port we run on: one tick is 10 ms. */
const TICK_MS = 10

/** utime + stime of a process, ms; null once it is gone. */
export function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_MS
  } catch {
    return null
  }
}

/** Resident set size of a process, MB; null once it is gone. */
export function procRssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

/** Whole-machine CPU since boot, ms summed over cores: busy (not idle, not waiting for I/O) and total. */
export function machineCpuMs(): { busyMs: number; totalMs: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
    const n = line.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = n.reduce((a, b) => a + b, 0)
    const idle = (n[3] ?? 0) + (n[4] ?? 0)
    return { busyMs: (total - idle) * TICK_MS, totalMs: total * TICK_MS }
  } catch {
    return null
  }
}

/**
 * CPU of a role whose process may be replaced (the broker across restarts): call `sample()` often, and once more
 * right before the process is stopped, so that its last reading is kept when the next process takes over.
 */
export class RoleCpu {
  private base = 0
  private pid: number | undefined
  private last = 0

  constructor(private readonly pidOf: () => number | undefined) {}

  sample(): number {
    const pid = this.pidOf()
    if (pid !== this.pid) {
      this.base += this.last
      this.last = 0
      this.pid = pid
    }
    if (pid !== undefined) this.last = procCpuMs(pid) ?? this.last
    return this.base + this.last
  }
}

/** Peak of a sampled value. */
export class Peak {
  max = 0
  add(v: number | null): void {
    if (v !== null && v > this.max) this.max = v
  }
}

/** The soft limit on open file descriptors of this process (null where /proc is not readable). */
export function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}
