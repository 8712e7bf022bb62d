// Who holds the shift. One staff member is on duty; someone else who types a PIN to act (a colleague covering a
// break) is asked whether to take the shift over. If not, their actions are theirs (the rows carry their id) but
// the shift stays with the person on duty: the session is marked as a helper's.
import type { Session, Sessions } from './sessions.ts'

const helpers = new WeakSet<Session>()

/** Marks a session as acting without the shift. */
export function markHelper(s: Session): void {
  helpers.add(s)
}

/** The session takes the shift (after "take over the shift?" was answered yes). */
export function markOnDuty(s: Session): void {
  helpers.delete(s)
}

export function isOnDuty(s: Session): boolean {
  return !helpers.has(s)
}

/** The staff member on duty: the newest staff session that is not a helper's. */
export function onDutySession(sessions: Sessions): Session | null {
  return sessions.active('staff').find(isOnDuty) ?? null
}

/** What staff may record when they acknowledge an alarm (the screen offers these, in words). */
export const ACK_OUTCOMES = {
  fever: ['observation_point', 'doctor_contacted', 'called_120', 'false_alarm'],
  isolation_breach: ['sent_back', 'grid_worker_told', 'false_alarm'],
} as const

export type AckOutcome = (typeof ACK_OUTCOMES)[keyof typeof ACK_OUTCOMES][number]
export const ALL_OUTCOMES = [...new Set<AckOutcome>([...ACK_OUTCOMES.fever, ...ACK_OUTCOMES.isolation_breach])] as [AckOutcome, ...AckOutcome[]]
