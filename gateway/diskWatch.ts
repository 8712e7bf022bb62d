// The data disk filling up (an SD card, weeks of uplink outage): an alert at 85 % and again at 95 % used, once per
// crossing, so the platform hears of it before the log cannot be written (then the gate stays closed).
import { statfsSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Clock } from '../devices/types.ts'
import type { Store } from './store/store.ts'
import { systemAlertMessage } from './alerts.ts'

export const DISK_THRESHOLDS = [0.85, 0.95] as const

export interface DiskUsage {
  usedRatio: number
  freeBytes: number
  totalBytes: number
}

export function diskUsage(path: string): DiskUsage {
  const s = statfsSync(path)
  const total = s.blocks * s.bsize
  // bavail, not bfree: the blocks reserved for root are not ours to use.
  const free = s.bavail * s.bsize
  return { usedRatio: total > 0 ? 1 - free / total : 0, freeBytes: free, totalBytes: total }
}

export class DiskWatch {
  /** The highest threshold already alerted; lowered again when usage drops below it. */
  private alerted = 0
  last: DiskUsage | null = null

  constructor(
    private readonly o: { path: string; store: Store; clock: Clock; log: Logger; usage?: (path: string) => DiskUsage; onAlert?: () => void },
  ) {}

  check(): DiskUsage | null {
    let u: DiskUsage
    try {
      u = (this.o.usage ?? diskUsage)(this.o.path)
    } catch (err) {
      this.o.log.warn({ err, path: this.o.path }, 'cannot read disk usage')
      return null
    }
    this.last = u
    const crossed = DISK_THRESHOLDS.filter((t) => u.usedRatio >= t).at(-1) ?? 0
    if (crossed > this.alerted) this.raise(crossed, u)
    this.alerted = crossed
    return u
  }

  private raise(threshold: number, u: DiskUsage): void {
    const now = this.o.clock.now()
    const percent = Math.round(u.usedRatio * 100)
    const message = `data disk ${percent} % full (${Math.round(u.freeBytes / 2 ** 20)} MiB free): decisions stop being recorded, and the gate closes, when it is full`
    this.o.log.warn({ percent, freeBytes: u.freeBytes, threshold }, 'data disk nearly full')
    try {
      const data = { kind: 'disk_nearly_full', severity: threshold >= 0.95 ? 'critical' : 'warning', message, usedPercent: percent, freeBytes: u.freeBytes } as const
      this.o.store.enqueue([systemAlertMessage(data, now)], now)
      this.o.onAlert?.()
    } catch (err) {
      this.o.log.error({ err }, 'could not queue the disk alert')
    }
  }
}
