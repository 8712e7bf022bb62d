// The gate's own state (issue 16): its mode, the fire linkage, the door and the enclosure, as the kiosk, /healthz and
// P/gate see it. Times are epoch ms here (the kiosk's GateState); P/gate carries them as RFC 3339 (gatePayload).

export const GATE_MODES = ['normal', 'remain-open', 'remain-closed'] as const
export type GateMode = (typeof GATE_MODES)[number]

/** Who set the mode in force: a staff member or technician at the kiosk, or the platform (gate/mode). */
export interface ModeBy {
  staff: string | null
  via: 'kiosk' | 'platform' | null
  reason: string | null
  at: number | null
}

export interface GateState {
  mode: GateMode
  /** Held open by the gate itself: remain-open, or the fire linkage (a pulse for one person is not "open" here). */
  open: boolean
  /** active: a fire-alarm input is active; latched: it cleared and a staff reset is awaited (gate.fireLatch). */
  fire: { active: boolean; latched: boolean; since: number | null }
  /**
   * open: a door contact reads open (null: no door contact, or none read yet); heldOpenSince: when the door that is
   * held open too long opened (set once door_held_open went out); forcedAt: when a door that is still open was forced.
   */
  door: { open: boolean | null; heldOpenSince: number | null; forcedAt: number | null }
  /** The enclosure is open (null: no tamper input, or none read yet). */
  tamper: boolean | null
  modeBy: ModeBy
  /** Door and enclosure alarms not yet acknowledged at the kiosk, oldest first. */
  alarms: GateAlarm[]
}

/**
 * The door and enclosure alarms the staff must acknowledge (issue 16): a door forced open, held open too long, the
 * enclosure opened. Each stays on the screen after the door or the lid is closed again (endedAt) until someone says
 * what was done about it; the same thing again before that joins it (count, lastAt).
 */
export const GATE_ALARM_KINDS = ['door_forced_open', 'door_held_open', 'tamper'] as const
export type GateAlarmKind = (typeof GATE_ALARM_KINDS)[number]

/** What staff may say was done about each (the kiosk's choices; recorded on the acknowledgement). */
export const GATE_ALARM_OUTCOMES = {
  door_forced_open: ['checked_ok', 'intruder_handled', 'police_called', 'sensor_fault'],
  door_held_open: ['door_closed', 'on_purpose', 'door_broken'],
  tamper: ['maintenance', 'checked_closed', 'tech_told'],
} as const satisfies Record<GateAlarmKind, readonly string[]>
export type GateAlarmOutcome = (typeof GATE_ALARM_OUTCOMES)[GateAlarmKind][number]

export interface GateAlarm {
  id: string
  kind: GateAlarmKind
  /** The input (devices.inputs[].name). */
  device: string
  /** When it first happened (a held-open door: when it opened), the latest time, and when it ended (null: still on). */
  since: number
  lastAt: number
  endedAt: number | null
  count: number
}

/** Who asks for a mode change or a reset. */
export type GateOrigin = { via: 'kiosk'; staff: string; reason: string | null } | { via: 'platform'; staff: string; reason: string | null; requestId: string }

/** P/gate (docs/asyncapi.yaml GateState): retained, plain JSON like P/device/{name}, times as RFC 3339. */
export function gatePayload(s: GateState, now: number): Record<string, unknown> {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())
  return {
    mode: s.mode,
    open: s.open,
    fire: { active: s.fire.active, latched: s.fire.latched, since: iso(s.fire.since) },
    door: { open: s.door.open, heldOpenSince: iso(s.door.heldOpenSince), forcedAt: iso(s.door.forcedAt) },
    tamper: s.tamper,
    modeBy: { ...s.modeBy, at: iso(s.modeBy.at) },
    alarms: s.alarms.map((a) => ({ ...a, since: iso(a.since), lastAt: iso(a.lastAt), endedAt: iso(a.endedAt) })),
    ts: new Date(now).toISOString(),
  }
}
