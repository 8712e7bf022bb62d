// Who holds the shift. One staff member is on duty; the shift (who, since when) is kept in the store (kiosk_shift),
// so that a restart, which ends every session (they live in memory), keeps the shift and its summary: the staff
// member on duty types the PIN again and goes on with the same shift. Someone else who types a PIN to act (a
// colleague covering a break) is asked whether to take the shift over; if not, they are a helper: their actions are
// theirs (the rows carry their id) but the shift stays with the person on duty.
import type { Store } from '../store/store.ts'
import type { GateFigures } from './records.ts'
import type { Session } from './sessions.ts'

export interface Shift {
  /** The staff member's id. */
  staff: string
  /** Wall clock ms: the start of the shift. */
  since: number
}

/** A task still open at the end of a shift (due, or overdue: past overdueAt). */
export interface ShiftTask {
  id: number
  taskId: string
  kind: string
  area: string
  status: 'due' | 'overdue'
  dueAt: string
  overdueAt: string
}

/** An alarm still open at the end of a shift (no holder: the summary goes to the platform with the handover). */
export interface ShiftAlarm {
  entryId: string
  kind: 'fever' | 'isolation_breach'
  ts: string
  tempC: number | null
  secondaryC: number | null
}

/**
 * A shift's summary: who, from when to when, the gate's figures over it (the same counts as today's figures), and
 * what is still open, counted and listed. The handover's record and P/alert `shift` carry it, with the note.
 */
export interface ShiftSummary extends GateFigures {
  staff: string
  from: string
  to: string
  openAlarms: number
  openTasks: number
  overdueTasks: number
  alarms: ShiftAlarm[]
  tasks: ShiftTask[]
}

/** The shift in force, or null when nobody is on duty. */
export function currentShift(store: Pick<Store, 'currentShift'>): Shift | null {
  return store.currentShift()
}

/** Whether the session's person holds the shift (otherwise they act as a helper). */
export function isOnDuty(store: Pick<Store, 'currentShift'>, s: Session): boolean {
  return store.currentShift()?.staff === s.person.id
}

/** What staff may record when they acknowledge an alarm (the screen offers these, in words). */
export const ACK_OUTCOMES = {
  fever: ['observation_point', 'doctor_contacted', 'called_120', 'false_alarm'],
  isolation_breach: ['sent_back', 'grid_worker_told', 'false_alarm'],
} as const

export type AckOutcome = (typeof ACK_OUTCOMES)[keyof typeof ACK_OUTCOMES][number]
export const ALL_OUTCOMES = [...new Set<AckOutcome>([...ACK_OUTCOMES.fever, ...ACK_OUTCOMES.isolation_breach])] as [AckOutcome, ...AckOutcome[]]
