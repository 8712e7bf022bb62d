// Finding the message a broker refuses by closing the connection. MQTT 3.1.1 has no negative PUBACK (aedes and
// others just disconnect), and resending the message would loop forever (DEPENDENCIES §1 pitfall 3).
//
// A close by the peer, with no network error, within seconds of a send, is suspicious. The oldest unacknowledged
// message is not necessarily the culprit: the PUBACKs of accepted ones may die with the connection. So the bridge
// then sends one message at a time up to the highest seq it had sent; a message alone in flight when the
// connection is closed KICKS times in a row is refused (set aside by the drain). A close for a network error, or
// with a server reason that is not about our message, neither convicts nor clears.
import type { Flight } from './window.ts'

const KICKS = 2
const KICK_WINDOW_MS = 3000
/** Server DISCONNECT reasons that are not about a message we sent: shutting down, keepalive, taken over, admin, moved. */
const NOT_OUR_MESSAGE = new Set([0x8b, 0x8d, 0x8e, 0x98, 0x9c, 0x9d, 0xa0])

export interface CloseInfo {
  oldest: Flight | undefined
  highestSent: number
  /** The window the closed connection used (1 while probing). */
  window: number
  /** Closed by the broker, not by a network error or by us. */
  peerClosed: boolean
  serverReason: number | null
  /** Monotonic ms. */
  now: number
}

export type Verdict = { probing?: { from: number; until: number }; refuse?: number; kicks?: number } | null

export class KickProbe {
  private state: { until: number; seq: number; kicks: number } | null = null

  /** While active, the bridge sends one message at a time. */
  get active(): boolean {
    return this.state !== null
  }

  /** An acknowledgement; true when it ends the probe (past every suspect). */
  onAck(seq: number): boolean {
    if (!this.state || seq < this.state.until) return false
    this.state = null
    return true
  }

  onClose(c: CloseInfo): Verdict {
    const f = c.oldest
    const suspicious = f && c.peerClosed && c.now - f.sentAt <= KICK_WINDOW_MS && (c.serverReason === null || !NOT_OUR_MESSAGE.has(c.serverReason))
    if (!suspicious) return null
    const s = this.state
    if (!s) {
      this.state = { until: c.highestSent, seq: -1, kicks: 0 }
      return { probing: { from: f.seq, until: c.highestSent } }
    }
    if (c.window !== 1) return null
    s.kicks = s.seq === f.seq ? s.kicks + 1 : 1
    s.seq = f.seq
    if (s.kicks < KICKS) return null
    this.state = f.seq >= s.until ? null : { until: s.until, seq: -1, kicks: 0 }
    return { refuse: f.seq, kicks: KICKS }
  }
}
