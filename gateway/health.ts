// GET /healthz (DESIGN section 9): one component per device, the store, the local broker and the uplink.
import type { Device, DeviceHealth } from '../devices/types.ts'

export type Status = 'ok' | 'degraded' | 'down'
export type ComponentStatus = Status | 'disabled'

export interface Component {
  status: ComponentStatus
  [key: string]: unknown
}

/** `public`: what GET /healthz shows anyone; `full`: with the outbox's and the uplink's running counts (tech pages). */
export type HealthView = 'public' | 'full'

export interface HealthReport {
  status: Status
  components: Record<string, Component>
}

export function deviceComponent(h: DeviceHealth): Component {
  return {
    status: h.online ? 'ok' : 'down',
    kind: h.kind,
    driver: h.driver,
    online: h.online,
    lastSeen: h.lastSeen === null ? null : new Date(h.lastSeen).toISOString(),
    since: new Date(h.since).toISOString(),
    counters: h.counters,
    info: h.info,
    lastError: h.lastError,
  }
}

/**
 * down: the gate cannot decide (no scanner online, no relay online, or the log is unusable);
 * degraded: it decides, but something is off (a device offline: e.g. no thermometer means typed temperatures).
 */
export function overallStatus(devices: readonly Device[], others: Record<string, Component>): Status {
  const online = (kind: Device['kind']): boolean[] => devices.filter((d) => d.kind === kind).map((d) => d.health().online)
  const scanners = online('scanner')
  const relays = online('relay')
  if (!scanners.some(Boolean) || (relays.length > 0 && !relays.some(Boolean))) return 'down'
  if (Object.values(others).some((c) => c.status === 'down')) return others.store?.status === 'down' ? 'down' : 'degraded'
  if (devices.some((d) => !d.health().online)) return 'degraded'
  if (Object.values(others).some((c) => c.status === 'degraded')) return 'degraded'
  return 'ok'
}
