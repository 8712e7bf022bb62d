// The gate control on fake inputs and relays with a manual clock (gateway/gate/control.ts): door supervision, the
// fire linkage (and its latch), modes and their persistence, the exit button and the tamper switch.
import { describe, expect, it } from 'vitest'
import { systemAlertMessage } from '../../gateway/alerts.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { gateRig } from './gateFakes.ts'

const kinds = (alerts: Record<string, unknown>[]): unknown[] => alerts.map((a) => a.kind)

/** Each alert as the platform receives it must match docs/asyncapi.yaml. */
function checkContract(alerts: Record<string, unknown>[]): void {
  for (const [i, a] of alerts.entries()) {
    const m = systemAlertMessage(a as never, Date.now())
    assertMessage('alert', { specversion: '1.0', id: m.id, source: '/estate-gate/estate-001/north-1', type: m.type, time: m.time, datacontenttype: 'application/json', seq: i + 1, seqstream: 'abc1', data: a })
  }
}

describe('door supervision', () => {
  it('a door opened after a pulse and left open: door_held_open at heldOpenSec after it opened, cleared when it closes', () => {
    const r = gateRig({ heldOpenSec: 30 })
    r.inputs.door!.firstRead(false)
    r.relays[0]!.pulse()
    r.time.advance(800)
    r.inputs.door!.set(true)
    r.time.advance(29_999)
    expect(kinds(r.alerts())).toEqual([])
    expect(r.gate.state().door).toEqual({ open: true, heldOpenSince: null, forcedAt: null })
    r.time.advance(1)
    expect(r.alerts()).toMatchObject([{ kind: 'door_held_open', severity: 'warning', device: 'door', heldOpenSec: 30 }])
    const openedAt = r.time.now() - 30_000
    expect(r.gate.state().door).toEqual({ open: true, heldOpenSince: openedAt, forcedAt: null })
    r.time.advance(5000)
    r.inputs.door!.set(false)
    expect(r.alerts()).toMatchObject([{ kind: 'door_held_open' }, { kind: 'door_held_open_cleared', severity: 'info', device: 'door', openSec: 35 }])
    expect(r.gate.state().door).toEqual({ open: false, heldOpenSince: null, forcedAt: null })
    expect(r.gate.counters.doorHeldOpen).toBe(1)
    checkContract(r.alerts())
  })

  it('a door closed in time raises nothing', () => {
    const r = gateRig({ heldOpenSec: 5 })
    r.inputs.door!.firstRead(false)
    r.relays[0]!.pulse()
    r.inputs.door!.set(true)
    r.time.advance(4000)
    r.inputs.door!.set(false)
    r.time.advance(60_000)
    expect(r.alerts()).toEqual([])
  })

  it('forced: the door opens with no pulse and no exit button within pulseMs + 2 s (the boundary to the ms)', () => {
    const r = gateRig({ heldOpenSec: 30 })
    r.inputs.door!.firstRead(false)
    r.relays[0]!.pulse() // pulseMs 1000: a door may open up to 3000 ms after
    r.time.advance(3000)
    r.inputs.door!.set(true)
    expect(r.alerts()).toEqual([])
    r.inputs.door!.set(false)
    r.relays[0]!.pulse()
    r.time.advance(3001)
    r.inputs.door!.set(true)
    expect(r.alerts()).toMatchObject([{ kind: 'door_forced_open', severity: 'critical', device: 'door' }])
    expect(r.gate.state().door.forcedAt).toBe(r.time.now())
    r.inputs.door!.set(false)
    expect(r.gate.state().door.forcedAt).toBeNull()
    expect(r.gate.counters.doorForced).toBe(1)
    checkContract(r.alerts())
  })

  it('a door already open at start is timed (held open) but never called forced', () => {
    const r = gateRig({ heldOpenSec: 10 })
    r.inputs.door!.firstRead(true)
    r.time.advance(10_000)
    expect(kinds(r.alerts())).toEqual(['door_held_open'])
  })

  it('the exit button pulses the relay through an exit entry, and the door it opens is not forced', () => {
    const r = gateRig()
    for (const i of Object.values(r.inputs)) i.firstRead(false)
    r.inputs.exit!.set(true)
    r.inputs.exit!.set(false)
    expect(r.exits).toEqual(['exit'])
    expect(r.relays[0]!.log).toEqual([`pulse@${r.time.mono()}`])
    r.time.advance(1500)
    r.inputs.door!.set(true)
    r.inputs.door!.set(false)
    expect(r.alerts()).toEqual([])
    expect(r.gate.counters.exits).toBe(1)
  })

  it('an exit button held down at start is not a press', () => {
    const r = gateRig()
    r.inputs.exit!.firstRead(true)
    r.time.advance(300)
    expect(r.exits).toEqual([])
  })
})

describe('fire linkage', () => {
  it('holds every fireRelease relay open at once, sounds the alarm once, alerts; pulses never close it; cleared: back to normal', () => {
    const r = gateRig({ relays: [['gate', true], ['barrier', false]] })
    for (const i of Object.values(r.inputs)) i.firstRead(false)
    const t0 = r.time.mono()
    r.inputs['fire-alarm']!.set(true)
    // Synchronously, in the change event itself: well within 200 ms.
    expect(r.relays[0]!.log).toEqual([`hold true@${t0}`])
    expect(r.relays[1]!.log).toEqual([])
    expect(r.buzzer.played).toEqual(['alarm'])
    expect(r.alerts()).toMatchObject([{ kind: 'fire_alarm', severity: 'critical', device: 'fire-alarm', relays: ['gate'], latch: false }])
    expect(r.gate.state()).toMatchObject({ open: true, fire: { active: true, latched: false, since: r.time.now() } })
    // A scan admitted meanwhile pulses; the pulse runs out and the gate is still open.
    r.relays[0]!.pulse()
    r.time.advance(5000)
    expect(r.relays[0]!.isOpen).toBe(true)
    // People leave: the door stands open, and that is no alert.
    r.inputs.door!.set(true)
    r.time.advance(120_000)
    expect(kinds(r.alerts())).toEqual(['fire_alarm'])
    r.inputs['fire-alarm']!.set(false)
    expect(r.relays[0]!.held).toBe(false)
    expect(r.alerts()[1]).toMatchObject({ kind: 'fire_alarm_cleared', severity: 'info', latched: false })
    expect(r.gate.state()).toMatchObject({ open: false, fire: { active: false, latched: false, since: null } })
    // The door still open after the alarm is timed from the moment the gate stopped being open on purpose.
    r.time.advance(30_000)
    expect(kinds(r.alerts())).toEqual(['fire_alarm', 'fire_alarm_cleared', 'door_held_open'])
    expect(r.buzzer.played).toEqual(['alarm'])
    checkContract(r.alerts())
  })

  it('gate.fireLatch: cleared, the gate stays open until a staff reset; the reset is refused while active or with nothing to reset', () => {
    const r = gateRig({ fireLatch: true })
    for (const i of Object.values(r.inputs)) i.firstRead(false)
    expect(r.gate.fireReset('zhang')).toBe('not_latched')
    r.inputs['fire-alarm']!.set(true)
    expect(r.gate.fireReset('zhang')).toBe('fire_active')
    r.inputs['fire-alarm']!.set(false)
    expect(r.relays[0]!.held).toBe(true)
    expect(r.gate.state().fire).toMatchObject({ active: false, latched: true })
    expect(r.alerts()[1]).toMatchObject({ kind: 'fire_alarm_cleared', latched: true })
    r.time.advance(600_000)
    expect(r.relays[0]!.held).toBe(true)
    expect(r.gate.fireReset('zhang')).toBe('ok')
    expect(r.relays[0]!.held).toBe(false)
    expect(r.gate.state()).toMatchObject({ open: false, fire: { active: false, latched: false, since: null } })
    expect(r.alerts()[2]).toMatchObject({ kind: 'fire_reset', severity: 'info', staff: 'zhang' })
    expect(r.store.gateEvents(1)[0]).toMatchObject({ kind: 'fire_reset', via: 'kiosk', staff: 'zhang' })
    expect(r.gate.fireReset('zhang')).toBe('not_latched')
    checkContract(r.alerts())
  })

  it('an alarm coming back while latched is a new alarm: its own time and the alarm sounded again', () => {
    const r = gateRig({ fireLatch: true })
    r.inputs['fire-alarm']!.firstRead(false)
    r.inputs['fire-alarm']!.set(true)
    const first = r.gate.state().fire.since
    r.time.advance(5000)
    r.inputs['fire-alarm']!.set(false)
    expect(r.gate.state().fire).toMatchObject({ active: false, latched: true, since: first })
    r.time.advance(60_000)
    r.inputs['fire-alarm']!.set(true)
    expect(r.gate.state().fire).toMatchObject({ active: true, latched: false, since: r.time.now() })
    expect(r.buzzer.played).toEqual(['alarm', 'alarm'])
  })

  it('a fire alarm already on at start (first read, no change event) opens the gate', () => {
    const r = gateRig()
    r.inputs['fire-alarm']!.firstRead(true)
    expect(r.relays[0]!.held).toBe(true)
    expect(kinds(r.alerts())).toEqual(['fire_alarm'])
  })

  it('a restart during a fire alarm holds the gate open before the input is read again, and raises no second alarm', () => {
    const r = gateRig({ fireLatch: true })
    r.inputs['fire-alarm']!.firstRead(true)
    const r2 = r.restart()
    expect(r2.relays[0]!.held).toBe(true)
    expect(r2.gate.state().fire).toMatchObject({ active: true, since: r.gate.state().fire.since })
    r2.inputs['fire-alarm']!.firstRead(true)
    r2.time.advance(1000)
    expect(kinds(r2.alerts())).toEqual(['fire_alarm'])
    r2.inputs['fire-alarm']!.set(false)
    expect(r2.gate.state().fire).toMatchObject({ active: false, latched: true })
    // Latched, and still latched after another restart: only a staff reset ends it.
    const r3 = r2.restart()
    r3.inputs['fire-alarm']!.firstRead(false)
    expect(r3.relays[0]!.held).toBe(true)
    expect(r3.gate.fireReset('zhang')).toBe('ok')
  })

  it('a relay that refuses the hold is tried again every second', () => {
    const r = gateRig()
    r.inputs['fire-alarm']!.firstRead(false)
    r.relays[0]!.fail = true
    r.inputs['fire-alarm']!.set(true)
    expect(r.relays[0]!.held).toBe(false)
    expect(r.gate.counters.holdFailures).toBe(1)
    r.relays[0]!.fail = false
    r.time.advance(1000)
    expect(r.relays[0]!.held).toBe(true)
    expect(r.gate.state().open).toBe(true)
  })
})

describe('gate modes', () => {
  it('a fire exit\'s relay (direction none) stays shut in remain-open and opens only for a fire', () => {
    const r = gateRig({ relays: [['gate', true], ['fire-exit', true]] })
    r.relays[1]!.direction = 'none'
    r.gate.setMode('remain-open', { via: 'kiosk', staff: 'tech-1', reason: null })
    expect([r.relays[0]!.held, r.relays[1]!.held]).toEqual([true, false])
    r.inputs['fire-alarm']!.firstRead(false)
    r.inputs['fire-alarm']!.set(true)
    expect([r.relays[0]!.held, r.relays[1]!.held]).toEqual([true, true])
  })

  it('remain-open holds the relays and raises no door alerts; back to normal releases them', () => {
    const r = gateRig({ heldOpenSec: 5 })
    r.inputs.door!.firstRead(false)
    const res = r.gate.setMode('remain-open', { via: 'kiosk', staff: 'tech-1', reason: null })
    expect(res).toEqual({ mode: 'remain-open', previous: 'normal', changed: true })
    expect(r.relays[0]!.held).toBe(true)
    r.time.advance(10_000)
    r.inputs.door!.set(true)
    r.time.advance(60_000)
    expect(kinds(r.alerts())).toEqual(['gate_mode_changed'])
    expect(r.alerts()[0]).toMatchObject({ kind: 'gate_mode_changed', severity: 'info', mode: 'remain-open', previous: 'normal', via: 'kiosk', staff: 'tech-1', reason: null })
    expect(r.gate.relayInfo('gate')).toEqual({ state: 'open', mode: 'remain-open', held: true })
    r.gate.setMode('normal', { via: 'kiosk', staff: 'tech-1', reason: null })
    expect(r.relays[0]!.held).toBe(false)
    expect(r.gate.relayInfo('gate')).toEqual({ state: 'closed', mode: 'normal', held: false })
    r.time.advance(5000)
    expect(kinds(r.alerts())).toEqual(['gate_mode_changed', 'gate_mode_changed', 'door_held_open'])
    checkContract(r.alerts())
  })

  it('remain-closed blocks admits (a fire alarm still opens), is kept across a restart with who set it, and a repeat changes nothing', () => {
    const r = gateRig()
    for (const i of Object.values(r.inputs)) i.firstRead(false)
    expect(r.gate.blocksAdmit()).toBe(false)
    r.gate.setMode('remain-closed', { via: 'platform', staff: 'platform:officer-7', reason: 'curfew', requestId: 'req-1' })
    expect(r.gate.blocksAdmit()).toBe(true)
    expect(r.gate.setMode('remain-closed', { via: 'kiosk', staff: 'zhang', reason: 'again' })).toMatchObject({ changed: false })
    expect(kinds(r.alerts())).toEqual(['gate_mode_changed'])
    expect(r.alerts()[0]).toMatchObject({ via: 'platform', staff: 'platform:officer-7', reason: 'curfew', requestId: 'req-1' })
    r.inputs['fire-alarm']!.set(true)
    expect(r.gate.blocksAdmit()).toBe(false)
    expect(r.relays[0]!.held).toBe(true)
    r.inputs['fire-alarm']!.set(false)
    expect(r.gate.blocksAdmit()).toBe(true)
    const at = r.gate.state().modeBy.at
    const r2 = r.restart()
    expect(r2.gate.mode).toBe('remain-closed')
    expect(r2.gate.blocksAdmit()).toBe(true)
    expect(r2.gate.state().modeBy).toEqual({ staff: 'platform:officer-7', via: 'platform', reason: 'curfew', at })
    expect(r2.store.gateEvents(5)).toMatchObject([{ kind: 'gate_mode_changed', via: 'platform', requestId: 'req-1', detail: { mode: 'remain-closed', previous: 'normal', reason: 'curfew' } }])
    checkContract(r.alerts())
  })

  it('a remain-open restored at start holds the relays at once', () => {
    const r = gateRig()
    r.gate.setMode('remain-open', { via: 'kiosk', staff: 'tech-1', reason: null })
    const r2 = r.restart()
    expect(r2.relays[0]!.held).toBe(true)
    expect(r2.gate.state()).toMatchObject({ mode: 'remain-open', open: true })
  })

  it('tells every change of state once (the kiosk event and P/gate)', () => {
    const r = gateRig()
    for (const i of Object.values(r.inputs)) i.firstRead(false)
    const n = r.states.length
    r.gate.setMode('remain-open', { via: 'kiosk', staff: 'tech-1', reason: null })
    r.time.advance(1000)
    expect(r.states.slice(n)).toMatchObject([{ mode: 'remain-open', open: true }])
  })
})

describe('tamper', () => {
  it('the enclosure opened: tamper (critical); closed again: tamper_cleared', () => {
    const r = gateRig()
    r.inputs.tamper!.firstRead(false)
    expect(r.gate.state().tamper).toBe(false)
    r.inputs.tamper!.set(true)
    expect(r.gate.state().tamper).toBe(true)
    r.inputs.tamper!.set(false)
    expect(r.alerts()).toMatchObject([
      { kind: 'tamper', severity: 'critical', device: 'tamper' },
      { kind: 'tamper_cleared', severity: 'info', device: 'tamper' },
    ])
    checkContract(r.alerts())
  })

  it('no tamper input and no door contact: null in the state', () => {
    const r = gateRig({ inputs: [['fire-alarm', 'fire-alarm']] })
    expect(r.gate.state()).toMatchObject({ tamper: null, door: { open: null } })
  })
})

describe('door and enclosure alarms at the kiosk', () => {
  it('a door forced and closed again stays an alarm until acknowledged; the same again joins it; the acknowledgement is recorded', () => {
    const r = gateRig({ heldOpenSec: 30 })
    r.inputs.door!.firstRead(false)
    r.inputs.door!.set(true)
    const forcedAt = r.time.now()
    r.time.advance(4000)
    r.inputs.door!.set(false)
    // The door is shut and forcedAt is gone, but what happened is still waiting for someone to say what was done.
    expect(r.gate.state().door.forcedAt).toBeNull()
    const [alarm] = r.gate.state().alarms
    expect(r.gate.state().alarms).toEqual([{ id: expect.any(String), kind: 'door_forced_open', device: 'door', since: forcedAt, lastAt: forcedAt, endedAt: forcedAt + 4000, count: 1 }])
    r.time.advance(60_000)
    r.inputs.door!.set(true)
    expect(r.gate.state().alarms).toMatchObject([{ id: alarm!.id, since: forcedAt, lastAt: r.time.now(), endedAt: null, count: 2 }])
    r.inputs.door!.set(false)
    // Kept across a restart.
    const r2 = r.restart()
    expect(r2.gate.state().alarms).toMatchObject([{ id: alarm!.id, count: 2, endedAt: r.time.now() }])
    expect(r2.gate.acknowledge('nope', 'zhang', 'checked_ok')).toEqual({ ok: false, error: 'no_alarm' })
    expect(r2.gate.acknowledge(alarm!.id, 'zhang', 'checked_ok')).toMatchObject({ ok: true, alarm: { kind: 'door_forced_open' } })
    expect(r2.gate.state().alarms).toEqual([])
    expect(r2.alerts().at(-1)).toMatchObject({ kind: 'door_forced_open_acknowledged', severity: 'info', staff: 'zhang', alarm: 'door_forced_open', device: 'door', outcome: 'checked_ok', count: 2 })
    expect(r2.store.gateEvents(1)).toMatchObject([{ kind: 'door_forced_open_acknowledged', via: 'kiosk', staff: 'zhang', detail: { outcome: 'checked_ok', count: 2 } }])
    expect(r2.restart().gate.state().alarms).toEqual([])
    checkContract(r2.alerts())
  })

  it('a door propped open at a busy gate: held open is timed from its opening, whatever pulses pass, and waits for an acknowledgement', () => {
    const r = gateRig({ heldOpenSec: 30 })
    r.inputs.door!.firstRead(false)
    r.relays[0]!.pulse()
    r.time.advance(500)
    r.inputs.door!.set(true)
    const openedAt = r.time.now()
    for (let i = 0; i < 14; i++) {
      r.time.advance(2000)
      r.relays[0]!.pulse()
    }
    r.time.advance(2000)
    expect(kinds(r.alerts())).toEqual(['door_held_open'])
    expect(r.alerts()[0]).toMatchObject({ openedAt: new Date(openedAt).toISOString() })
    r.time.advance(10_000)
    r.inputs.door!.set(false)
    expect(r.gate.state().alarms).toMatchObject([{ kind: 'door_held_open', since: openedAt, endedAt: r.time.now() }])
    const id = r.gate.state().alarms[0]!.id
    expect(r.gate.acknowledge(id, 'li', 'door_closed')).toMatchObject({ ok: true })
    checkContract(r.alerts())
  })

  it('a door held open when the gate begins to be held open on purpose: its warning is over (onPurpose), and after, timed again from then with its real opening', () => {
    const r = gateRig({ heldOpenSec: 10 })
    r.inputs.door!.firstRead(false)
    r.relays[0]!.pulse()
    r.inputs.door!.set(true)
    const openedAt = r.time.now()
    r.time.advance(10_000)
    expect(r.gate.state().door.heldOpenSince).toBe(openedAt)
    r.gate.setMode('remain-open', { via: 'kiosk', staff: 'tech-1', reason: null })
    expect(r.gate.state().door.heldOpenSince).toBeNull()
    expect(r.alerts().at(-1)).toMatchObject({ kind: 'door_held_open_cleared', onPurpose: true, openSec: 10 })
    expect(r.gate.state().alarms).toMatchObject([{ kind: 'door_held_open', endedAt: r.time.now() }])
    r.time.advance(60_000)
    r.gate.setMode('normal', { via: 'kiosk', staff: 'tech-1', reason: null })
    r.time.advance(9999)
    expect(kinds(r.alerts()).filter((k) => k === 'door_held_open')).toHaveLength(1)
    r.time.advance(1)
    const last = r.alerts().filter((a) => a.kind === 'door_held_open').at(-1)!
    expect(last).toMatchObject({ openedAt: new Date(openedAt).toISOString() })
    expect(r.gate.state().door.heldOpenSince).toBe(openedAt)
    expect(r.gate.state().alarms).toMatchObject([{ kind: 'door_held_open', count: 2, endedAt: null }])
    checkContract(r.alerts())
  })

  it('a door forced and left open is one alarm: its held-open goes to the platform and adds none on the screen', () => {
    const r = gateRig({ heldOpenSec: 10 })
    r.inputs.door!.firstRead(false)
    r.inputs.door!.set(true)
    r.time.advance(10_000)
    expect(kinds(r.alerts())).toEqual(['door_forced_open', 'door_held_open'])
    r.inputs.door!.set(false)
    expect(r.gate.state().alarms).toMatchObject([{ kind: 'door_forced_open', endedAt: r.time.now() }])
  })

  it('the enclosure opened and closed: the tamper alarm waits, ended, for an acknowledgement', () => {
    const r = gateRig()
    r.inputs.tamper!.firstRead(false)
    r.inputs.tamper!.set(true)
    r.time.advance(3000)
    r.inputs.tamper!.set(false)
    expect(r.gate.state()).toMatchObject({ tamper: false, alarms: [{ kind: 'tamper', device: 'tamper', endedAt: r.time.now(), count: 1 }] })
    expect(r.gate.acknowledge(r.gate.state().alarms[0]!.id, 'zhang', 'maintenance')).toMatchObject({ ok: true })
    expect(r.alerts().at(-1)).toMatchObject({ kind: 'tamper_acknowledged', outcome: 'maintenance' })
    checkContract(r.alerts())
  })
})
