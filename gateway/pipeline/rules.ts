// The pass rules of DESIGN section 3.4 as one pure function: facts in, reasons out. The store looks the facts up;
// nothing here does I/O, so every rule is a row in a table test.
import type { RulesConfig } from '../config/schema.ts'

/** Reasons (contract, DESIGN section 3). */
export const REASONS = [
  'fever',
  'temp_invalid',
  'no_temperature',
  'unknown_code',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'revoked',
  'wrong_gate',
  'isolation',
  'health_yellow',
  'health_red',
  'anti_passback',
  'quota',
  'manual_override',
  // Issue 16: an exit-button press (its own entry, source exit), and an admit the gate did not carry out because it
  // is in remain-closed.
  'exit_button',
  'gate_closed',
] as const
export type Reason = (typeof REASONS)[number]

export type AlertKind = 'fever' | 'isolation_breach' | 'forged_pass'

export interface PassFacts {
  direction: 'in' | 'out'
  gateId: string
  pass: { id: string; subject: string; kind: string; gates?: readonly string[] | undefined; hc?: string | undefined }
  revoked: boolean
  /** The holder's household is under home isolation today. */
  isolated: boolean
  /** Direction of this pass's last admitted passage. */
  lastDirection: 'in' | 'out' | null
  /** Admitted outings of the household within the quota period (null when no quota applies). */
  outings: number | null
}

export interface RuleVerdict {
  /** Any of these denies. */
  deny: Reason[]
  /** Recorded on an admit (anti-passback in warn mode). */
  warn: Reason[]
  alerts: AlertKind[]
}

export function applyPassRules(f: PassFacts, rules: Pick<RulesConfig, 'antiPassback' | 'householdQuota'>): RuleVerdict {
  const v: RuleVerdict = { deny: [], warn: [], alerts: [] }
  if (f.revoked) v.deny.push('revoked')
  if (f.pass.gates && f.pass.gates.length > 0 && !f.pass.gates.includes(f.gateId)) v.deny.push('wrong_gate')
  if (f.pass.hc === 'red') v.deny.push('health_red')
  else if (f.pass.hc === 'yellow') v.deny.push('health_yellow')
  if (f.isolated && f.direction === 'out') {
    v.deny.push('isolation')
    v.alerts.push('isolation_breach')
  }
  const quota = rules.householdQuota
  if (quota && f.direction === 'out' && f.pass.kind === 'resident' && f.outings !== null && f.outings >= quota.outings) {
    v.deny.push('quota')
  }
  // The same pass passing twice the same way: it was lent, or someone tailgated.
  if (rules.antiPassback !== 'off' && f.lastDirection === f.direction) {
    ;(rules.antiPassback === 'deny' ? v.deny : v.warn).push('anti_passback')
  }
  return v
}

/** Which failed verifications raise an alert: a correctly formed pass with a wrong signature is a forgery. */
export function verificationAlert(reason: Reason): AlertKind | null {
  return reason === 'bad_signature' ? 'forged_pass' : null
}
