// The bridge's options and status (bridge.ts re-exports them).
import type { Logger } from 'pino'
import type { Store } from '../gateway/store/store.ts'
import type { BridgeOutbox } from './outbox.ts'

export interface CloudBridgeOptions {
  url: string
  /**
   * Requests from the platform (P/request/{command}): the returned object is published on P/response/{command}.
   * Without it the bridge does not subscribe to requests.
   */
  onRequest?: (command: string, payload: Buffer, meta: { retained: boolean }) => unknown | Promise<unknown>
  username?: string
  password?: string
  caFile?: string
  certFile?: string
  keyFile?: string
  /** 5 where the broker offers it (falls back to 4 if refused); 4 towards aedes. */
  protocolVersion: 5 | 4
  /** Stable per gate: the broker kicks an older connection with the same id. */
  clientId: string
  /** `{baseTopic}/{site}/{gate}` (envelope.ts gatePrefix). */
  prefix: string
  /** CloudEvents source `/estate-gate/{site}/{gate}` (envelope.ts eventSource). */
  source: string
  bootId: string
  version: string
  outbox: Store | BridgeOutbox
  clock: { now(): number; mono?(): number }
  log: Logger
  /** Unacknowledged messages at most, further capped by the broker's receive-maximum. Default 256. */
  window?: number
  /** Reconnect delay: doubling from initialMs to maxMs, with jitter. Default 1 s to 60 s. */
  backoff?: { initialMs: number; maxMs: number }
  /** Default 30. */
  keepaliveSec?: number
  /** Default 10 s. */
  connectTimeoutMs?: number
  /** A PUBACK missing this long means a dead connection: drop it and resend. Default 30 s. */
  ackTimeoutMs?: number
  /** Safety net for rows committed without wake(), and the ack-timeout check. Default 1 s. */
  pollMs?: number
  /**
   * Acknowledged rows are deleted at most this long after their PUBACK (one transaction), or as soon as `ackBatch`
   * are waiting. A crash loses at most this much of deletes: duplicates, never gaps. Default 200 ms (drain.ts
   * ACK_FLUSH_MS), so that a kill -9 resends only what was in flight.
   */
  ackFlushMs?: number
  /**
   * Acknowledged rows per delete transaction while draining. Each flush is one fsync and holds the event loop (the
   * gate's decisions share it) for the whole transaction. Default 1,024 (drain.ts ACK_BATCH, cloud-bridge/README.md).
   */
  ackBatch?: number
  /** How long stop() waits for in-flight acknowledgements. Default 2 s. */
  stopTimeoutMs?: number
  /** For the backoff jitter; Math.random by default. */
  random?: () => number
}

export interface BridgeStatus {
  connected: boolean
  /** Outbox rows not yet acknowledged. */
  backlog: number
  inFlight: number
  lastAckedSeq: number | null
  /** Outbox publishes handed to the broker, resends included. */
  sentTotal: number
  ackedTotal: number
  /** Rows in outbox_refused, waiting for a technician. */
  refused: number
  /** Connections established after the first one. */
  reconnects: number
  protocolVersion: 4 | 5
  window: number
  lastError: string | null
}
