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
import type { OutboxRow, Store } from '../gateway/store/store.ts'
import type { BridgeOutbox } from './outbox.ts'

export interface MirrorSource {
  /** The last summary of each kind that was queued (not a resend), as outbox rows: re-published retained. */
  retained(): readonly OutboxRow[]
}

export function mirrorOutbox(store: Store, source: MirrorSource): BridgeOutbox {
  // What was committed before the mirror existed went to a broker that has since restarted: nobody to show it to.
  const from = store.lastSeq()
  return {
    outboxAfter(seq, limit) {
      const rows = store.outboxAfter(Math.max(seq, from), limit)
      const pinned = source.retained().filter((p) => p.seq > seq && !rows.some((r) => r.seq === p.seq))
      if (pinned.length === 0) return rows
      // In seq order with the rest; a row cut by the limit is read again from the new cursor.
      return [...rows, ...pinned].sort((a, b) => a.seq - b.seq).slice(0, limit)
    },
    // The uplink's backlog, for the status a display reads.
    outboxBacklog: () => store.outboxBacklog(),
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
