import { describe, expect, it } from 'vitest'
import { applyPassRules, type PassFacts } from '../../gateway/pipeline/rules.ts'

const base: PassFacts = {
  direction: 'in',
  gateId: 'north-1',
  pass: { id: 'p1', subject: 'H-3-1-502', kind: 'resident' },
  revoked: false,
  isolated: false,
  lastDirection: null,
  outings: null,
}
const rules = { antiPassback: 'warn' as const, householdQuota: null }

describe('pass rules', () => {
  it.each([
    ['a plain resident', {}, rules, [], [], []],
    ['a revoked pass', { revoked: true }, rules, ['revoked'], [], []],
    ['a pass for another gate', { pass: { ...base.pass, gates: ['south-2'] } }, rules, ['wrong_gate'], [], []],
    ['a pass for this gate', { pass: { ...base.pass, gates: ['south-2', 'north-1'] } }, rules, [], [], []],
    ['a red health code', { pass: { ...base.pass, hc: 'red' } }, rules, ['health_red'], [], []],
    ['a yellow health code', { pass: { ...base.pass, hc: 'yellow' } }, rules, ['health_yellow'], [], []],
    ['an isolated household going out', { isolated: true, direction: 'out' }, rules, ['isolation'], [], ['isolation_breach']],
    ['an isolated household coming home', { isolated: true, direction: 'in' }, rules, [], [], []],
    ['in twice, anti-passback warn', { lastDirection: 'in' }, rules, [], ['anti_passback'], []],
    ['in twice, anti-passback deny', { lastDirection: 'in' }, { ...rules, antiPassback: 'deny' as const }, ['anti_passback'], [], []],
    ['in twice, anti-passback off', { lastDirection: 'in' }, { ...rules, antiPassback: 'off' as const }, [], [], []],
    ['out after in', { lastDirection: 'in', direction: 'out' }, rules, [], [], []],
    ['quota used up', { direction: 'out', outings: 1 }, { ...rules, householdQuota: { outings: 1, perDays: 2 } }, ['quota'], [], []],
    ['quota left', { direction: 'out', outings: 0 }, { ...rules, householdQuota: { outings: 1, perDays: 2 } }, [], [], []],
    ['quota is for residents', { direction: 'out', outings: 5, pass: { ...base.pass, kind: 'staff' } }, { ...rules, householdQuota: { outings: 1, perDays: 2 } }, [], [], []],
  ] as const)('%s', (_name, facts, r, deny, warn, alerts) => {
    const v = applyPassRules({ ...base, ...(facts as Partial<PassFacts>) }, r)
    expect(v).toEqual({ deny, warn, alerts })
  })
})
