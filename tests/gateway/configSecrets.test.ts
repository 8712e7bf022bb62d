// What /tech may write to config-overrides.json (gateway/config/secrets.ts) and what the shared redaction shows.
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../gateway/config/load.ts'
import { redact, redactUrlPassword } from '../../gateway/config/redact.ts'
import { prepareKioskPatch } from '../../gateway/config/secrets.ts'
import { verifyPassword } from '../../gateway/broker/passwords.ts'

const current = (() => {
  const r = validateConfig({ central: { url: 'mqtt://gate:pw-1@broker.example:1883', password: 'pw-2' }, kiosk: { staffPins: ['2468'] } })
  if (!r.ok) throw new Error(r.errors.join('\n'))
  return r.config
})()

describe('config secrets', () => {
  it('masks a password inside a URL, and nothing else of it', () => {
    expect(redactUrlPassword('mqtt://gate:pw-1@broker.example:1883')).toBe('mqtt://gate:[REDACTED]@broker.example:1883')
    expect(redactUrlPassword('mqtts://gate:p@ss:word@h:8883/x')).toBe('mqtts://gate:[REDACTED]@h:8883/x')
    expect(redactUrlPassword('mqtt://broker.example:1883')).toBe('mqtt://broker.example:1883')
    expect(redactUrlPassword('mqtt://gate@broker.example')).toBe('mqtt://gate@broker.example')
    const shown = redact(current) as { central: { url: string; password: string }; kiosk: { staffPins: unknown } }
    expect(shown.central).toMatchObject({ url: 'mqtt://gate:[REDACTED]@broker.example:1883', password: '[REDACTED]' })
    expect(shown.kiosk.staffPins).toBe('[REDACTED]')
  })

  it('hashes PINs and broker passwords; keeps what is sent back masked; refuses plain secrets it cannot hash', async () => {
    const r = await prepareKioskPatch(
      { kiosk: { techPins: ['97531', { id: 'zhao', name: '赵', pin: '864200' }] }, localBroker: { users: [{ username: 'display', password: 'display-pw' }] }, central: { url: 'mqtt://gate:[REDACTED]@broker.example:1883', password: '[REDACTED]' } },
      current,
    )
    if (!r.ok) throw new Error(r.errors.join('\n'))
    expect(JSON.stringify(r.patch)).not.toMatch(/97531|864200|display-pw/)
    const pins = (r.patch.kiosk as { techPins: [string, { pin: string }] }).techPins
    expect(await verifyPassword(pins[0], '97531')).toBe(true)
    expect(await verifyPassword(pins[1].pin, '864200')).toBe(true)
    const users = (r.patch.localBroker as { users: { password: string }[] }).users
    expect(await verifyPassword(users[0]!.password, 'display-pw')).toBe(true)
    expect(r.patch.central).toEqual({})
    expect(validateConfig({ ...r.patch }).ok).toBe(true)

    const refused = await prepareKioskPatch({ central: { password: 'new-plain', url: 'mqtt://gate:[REDACTED]@other.example:1883' }, dataDir: '/elsewhere' }, current)
    expect(refused.ok).toBe(false)
    const errors = refused.ok ? [] : refused.errors
    expect(errors.map((e) => e.split(':')[0]).sort()).toEqual(['central.password', 'central.url', 'dataDir'])
    // Two people given one PIN is still found: checked before hashing.
    const twice = await prepareKioskPatch({ kiosk: { staffPins: ['1357', '1357'] } }, current)
    expect(twice.ok).toBe(false)
  })
})
