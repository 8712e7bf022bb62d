import { describe, expect, it } from 'vitest'
import { checkDeviceUsername, createAcl, type AclUser } from '../../gateway/broker/acl.ts'

const P = 'estate-gate/estate-001/north-1'
const acl = createAcl(P)
const display: AclUser = { username: 'lobby', role: 'display' }
const device: AclUser = { username: 'panel-1', role: 'device' }
const bridge: AclUser = { username: 'estate-gate-bridge', role: 'bridge' }
const users = { display, device, bridge }
type Role = keyof typeof users
const D = `${P}/devices/panel-1`

describe('broker ACL: subscribe', () => {
  it.each<[Role, string, boolean]>([
    // display: its gate's topics, not requests, not other gates, not $SYS
    ['display', `${P}/#`, true],
    ['display', `${P}/entry`, true],
    ['display', `${P}/summary/+`, true],
    ['display', `${P}/+/hour`, true],
    ['display', P, true],
    ['display', `${P}/devices/panel-1/#`, true],
    ['display', `${P}/request/#`, false],
    ['display', `${P}/request/gate/open`, false],
    ['display', `${P}/request`, false],
    ['display', '#', false],
    ['display', '+/#', false],
    ['display', 'estate-gate/+/+/entry', false],
    ['display', 'estate-gate/estate-001/+/entry', false],
    ['display', 'estate-gate/estate-001/#', false],
    ['display', 'estate-gate/estate-001/south-2/entry', false],
    ['display', '$SYS/#', false],
    ['display', '$share/g/' + `${P}/entry`, false],
    ['display', `${P}/entry/#/x`, false],
    ['display', `${P}/ent+`, false],
    ['display', '', false],
    // device: only its own subtree
    ['device', `${D}/#`, true],
    ['device', `${D}/cmd`, true],
    ['device', D, true],
    ['device', `${P}/devices/panel-2/#`, false],
    ['device', `${P}/devices/+/#`, false],
    ['device', `${P}/devices/#`, false],
    ['device', `${P}/entry`, false],
    ['device', '#', false],
    // bridge: the whole gate, nothing else
    ['bridge', `${P}/#`, true],
    ['bridge', `${P}/request/#`, true],
    ['bridge', '#', false],
    ['bridge', 'estate-gate/+/north-1/#', false],
    ['bridge', '$SYS/#', false],
  ])('%s subscribes to "%s": %s', (role, filter, allowed) => {
    expect(acl.canSubscribe(users[role], filter).ok).toBe(allowed)
  })
})

describe('broker ACL: publish', () => {
  it.each<[Role, string, boolean]>([
    ['display', `${P}/entry`, false],
    ['display', `${P}/devices/lobby/x`, false],
    ['device', `${D}/scan`, true],
    ['device', `${D}/a/b`, true],
    ['device', D, true],
    ['device', `${P}/devices/panel-10/scan`, false],
    ['device', `${P}/devices/panel-2/scan`, false],
    ['device', `${P}/entry`, false],
    ['device', `${P}/status`, false],
    ['device', `${D}/+`, false],
    ['bridge', `${P}/entry`, true],
    ['bridge', `${P}/status`, true],
    ['bridge', `${P}/devices/panel-1/cmd`, true],
    ['bridge', 'estate-gate/estate-001/south-2/entry', false],
    ['bridge', '$SYS/broker/x', false],
    ['bridge', `${P}/#`, false],
  ])('%s publishes to "%s": %s', (role, topic, allowed) => {
    expect(acl.canPublish(users[role], topic).ok).toBe(allowed)
  })

  it('says what was expected', () => {
    expect(acl.canPublish(device, `${P}/entry`)).toEqual({ ok: false, reason: `expected a topic under ${D}/` })
  })
})

describe('broker ACL: forwarding', () => {
  it.each<[Role, string, boolean]>([
    ['display', `${P}/entry`, true],
    ['display', `${P}/request/gate/open`, false],
    ['display', 'estate-gate/estate-001/south-2/entry', false],
    ['display', '$SYS/estate-gate-broker/heartbeat', false],
    ['device', `${D}/cmd`, true],
    ['device', `${P}/devices/panel-2/cmd`, false],
    ['bridge', `${P}/request/gate/open`, true],
  ])('%s receives "%s": %s', (role, topic, allowed) => {
    expect(acl.canReceive(users[role], topic)).toBe(allowed)
  })
})

describe('broker ACL: names', () => {
  it.each(['estate-gate/+/north-1', 'a//b', '$SYS/x/y', ''])('refuses the prefix "%s"', (prefix) => {
    expect(() => createAcl(prefix)).toThrow(/expected \{baseTopic\}\/\{site\}\/\{gate\}/)
  })

  it.each([
    ['panel-1', true],
    ['a/b', false],
    ['+', false],
    ['#', false],
    ['$dev', false],
    ['', false],
  ])('device username "%s" usable as a topic level: %s', (name, ok) => {
    expect(checkDeviceUsername(name) === null).toBe(ok)
  })
})
