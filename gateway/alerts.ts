// Alerts that are not about a decision (a device, the disk): one outbox message shape for all of them.
import { randomUUID } from 'node:crypto'
import type { OutboxMessage } from './store/store.ts'
import { rfc3339 } from './time.ts'

export interface SystemAlert {
  kind: string
  /** info: a record for the platform, nobody needs to act (a shift handover, an acknowledged alarm). */
  severity: 'critical' | 'warning' | 'info'
  message: string
  [field: string]: unknown
}

export function systemAlertMessage(data: SystemAlert, now: number): OutboxMessage {
  return { id: randomUUID(), topic: 'alert', type: 'estategate.alert.v1', time: rfc3339(now), data }
}
