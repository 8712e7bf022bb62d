// The gate's own topics on the embedded broker, for local displays, when the uplink goes to a central broker
// (DESIGN section 7: the embedded broker carries status, entry, alert, task, summaries and device health, never
// requests or responses, whether or not a central broker is configured).
//
// The mirror is a second CloudBridge, over MQTT 3.1.1 to aedes with the gateway's internal user, without requests,
// reading the outbox through the view below. The view never deletes, never sets a row aside and starts at the
// outbox's end: seq order, at-least-once and acknowledgement belong to the uplink alone, which neither waits for
// the mirror nor knows of it. So the mirror is best effort for entry, alert and task (a row the uplink had
// acknowledged and deleted before the mirror read it is skipped; it reads within a tick of the commit, the uplink
// deletes a round trip and a flush later). The retained topics are never missed: status and device health are
// republished at each connection by the bridge itself, and the last queued hour and day summaries come from
// `retained()` (kept by the summarizer beside the outbox, in the same transaction), so that they are on the
// embedded broker again after a restart (aedes keeps retained messages in memory only) even if the uplink had
// long deleted them.
//
// Some alerts are for the platform alone and never go on the embedded broker (uplinkOnly): a duress login
// (gateway/kiosk/duress.ts) must not reach a local display that the person forcing the guard may be looking at.
import type { OutboxRow, Store } from '../gateway/store/store.ts'
import type { BridgeOutbox } from './outbox.ts'

export interface MirrorSource {
  /** The last summary of each kind that was queued (not a resend), as outbox rows: re-published retained. */
  retained(): readonly OutboxRow[]
}

/** Alert kinds for the central platform only (the AsyncAPI document says so of each). */
export const UPLINK_ONLY_ALERTS: ReadonlySet<string> = new Set(['duress'])

/** Whether an outbox row stays off the embedded broker. Only alert rows are parsed (a few a day). */
export function uplinkOnly(row: Pick<OutboxRow, 'topic' | 'data'>): boolean {
  if (row.topic !== 'alert') return false
  try {
    const kind = (JSON.parse(row.data) as { kind?: unknown } | null)?.kind
    return typeof kind === 'string' && UPLINK_ONLY_ALERTS.has(kind)
  } catch {
    return false
  }
}

export function mirrorOutbox(store: Store, source: MirrorSource): BridgeOutbox {
  // What was committed before the mirror existed went to a broker that has since restarted: nobody to show it to.
  const from = store.lastSeq()
  /**
   * Up to `limit` rows after `seq` that may go on the embedded broker. A batch the filter shortened is topped up from
   * past its last row: the drain takes a short batch for the outbox's end, and with nothing returned its cursor
   * would stay before the left-out row and never reach what follows it.
   */
  const mirrored = (seq: number, limit: number): OutboxRow[] => {
    const out: OutboxRow[] = []
    let cursor = seq
    for (;;) {
      const want = limit - out.length
      const batch = store.outboxAfter(cursor, want)
      for (const r of batch) if (!uplinkOnly(r)) out.push(r)
      if (batch.length < want || out.length >= limit) return out
      cursor = batch[batch.length - 1]!.seq
    }
  }
  return {
    outboxAfter(seq, limit) {
      const rows = mirrored(Math.max(seq, from), limit)
      const pinned = source.retained().filter((p) => p.seq > seq && !rows.some((r) => r.seq === p.seq))
      if (pinned.length === 0) return rows
      // In seq order with the rest; a row cut by the limit is read again from the new cursor.
      return [...rows, ...pinned].sort((a, b) => a.seq - b.seq).slice(0, limit)
    },
    // The uplink's backlog, for the status a display reads, as the gate shows it (without uplink-only rows).
    outboxBacklog: () => store.localBacklog(),
    lastSeq: () => store.lastSeq(),
    acknowledgeMany: () => {},
    refuse: () => {
      // The drain logs this and skips the row on this connection; the row stays the uplink's.
      throw new Error('the local mirror never sets an outbox row aside')
    },
    refusedCount: () => 0,
    seqstream: () => store.seqstream(),
  }
}
