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
    ts: new Date(now).toISOString(),
  }
}
