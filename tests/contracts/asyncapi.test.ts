import { describe, expect, it } from 'vitest'
import { asyncapi, assertMessage, assertSchema } from './asyncapi.ts'

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3 document whose channels cover the DESIGN section 7 topics', () => {
    expect(asyncapi.asyncapi).toBe('3.1.0')
    const suffixes = Object.values(asyncapi.channels).map((c) => c.address.replace('{baseTopic}/{siteId}/{gateId}/', ''))
    expect(suffixes.sort()).toEqual(['alert', 'device/{name}', 'devices/{username}/{path}', 'entry', 'gate', 'request/{command}', 'response/{command}', 'status', 'summary/day', 'summary/hour', 'task'])
  })

  it('rejects what breaks the contract (the schemas are not vacuous)', () => {
    const good = { specversion: '1.0', id: 'x', source: '/estate-gate/estate-001/north-1', type: 'estategate.entry.v1', time: new Date().toISOString(),
      datacontenttype: 'application/json', seq: 1, seqstream: '3f2a9c0d',
      data: { direction: 'in', kind: 'resident', subject: 'H-1', passId: 'p', tempC: 36.6, decision: 'admit', reasons: [], rechecked: false, staff: null, scanner: 's' } }
    expect(() => assertMessage('entry', good)).not.toThrow()
    expect(() => assertMessage('entry', { ...good, seq: 0 })).toThrow(/seq/)
    const { seqstream: _, ...noStream } = good
    expect(() => assertMessage('entry', noStream)).toThrow(/seqstream/)
    expect(() => assertMessage('entry', { ...good, seqstream: 'Not-A-Stream' })).toThrow(/seqstream/)
    expect(() => assertMessage('entry', { ...good, resend: false })).toThrow(/resend/)
    expect(() => assertMessage('entry', { ...good, data: { ...good.data, reasons: ['sneezing'] } })).toThrow(/reasons/)
    expect(() => assertMessage('entry', { ...good, specversion: '0.3' })).toThrow(/specversion/)
    expect(() => assertMessage('status', { state: 'sleeping', ts: new Date().toISOString(), bootId: 'b', version: '1' })).toThrow(/state/)
    expect(() => assertMessage('nope', {})).toThrow(/no message "nope"/)
  })

  describe('requests: each command’s schema requires what the gateway requires (gateway/requests.ts), and nothing else is taken', () => {
    const base = { requestId: 'r-1', expires: '2026-12-03T08:01:00+08:00' }
    const good: Record<string, [string, Record<string, unknown>]> = {
      'config/get': ['ConfigGetRequest', { ...base }],
      'config/set': ['ConfigSetRequest', { ...base, config: { rules: { feverC: 37.5 } } }],
      'lists/isolation': ['ListsIsolationRequest', { ...base, items: [{ subject: 'H-3-1-502', startDay: '2026-12-01', endDay: null }] }],
      'lists/revoked': ['ListsRevokedRequest', { ...base, passIds: ['p-1'] }],
      'gate/open': ['GateOpenRequest', { ...base, reason: 'ambulance', staff: 'op-1', direction: 'out' }],
      'gate/mode': ['GateModeRequest', { ...base, mode: 'remain-closed', reason: '夜间封闭管理', staff: 'op-1' }],
      'summary/resend': ['SummaryResendRequest', { ...base, from: '2026-12-01', to: '2026-12-02' }],
      'tasks/list': ['TasksListRequest', { ...base, topic: 'estate-gate/estate-001/north-1/request/tasks/list' }],
    }

    it.each(Object.entries(good))('%s: a valid request matches its own schema and the request message', (_command, [schema, body]) => {
      expect(() => assertSchema(schema, body)).not.toThrow()
      expect(() => assertMessage('request', body)).not.toThrow()
    })

    it('gate/mode: the reason is required, 2 to 200 characters once trimmed; the mode one of the three; no other key', () => {
      const mode = { ...base, mode: 'remain-open', reason: 'fire drill' }
      expect(() => assertSchema('GateModeRequest', mode)).not.toThrow()
      const { reason: _, ...noReason } = mode
      expect(() => assertSchema('GateModeRequest', noReason)).toThrow(/must have required property 'reason'/)
      // Nor does any other command's schema take it: the request message refuses it too.
      expect(() => assertMessage('request', noReason)).toThrow()
      for (const reason of ['x', '   x   ', '  ', 'y'.repeat(201)]) {
        expect(() => assertSchema('GateModeRequest', { ...mode, reason }), JSON.stringify(reason)).toThrow(/reason/)
        expect(() => assertMessage('request', { ...mode, reason }), JSON.stringify(reason)).toThrow()
      }
      expect(() => assertSchema('GateModeRequest', { ...mode, reason: ' ok ' })).not.toThrow()
      expect(() => assertSchema('GateModeRequest', { ...mode, mode: 'locked' })).toThrow(/mode/)
      const { mode: _m, ...noMode } = mode
      expect(() => assertSchema('GateModeRequest', noMode)).toThrow(/required property 'mode'/)
      expect(() => assertSchema('GateModeRequest', { ...mode, direction: 'in' })).toThrow(/additional properties/)
      expect(() => assertSchema('GateModeRequest', { ...mode, staff: '' })).toThrow(/staff/)
    })

    it('the other commands: their required keys, their formats, no unknown key', () => {
      expect(() => assertSchema('GateOpenRequest', { ...base })).toThrow(/required property 'reason'/)
      expect(() => assertSchema('GateOpenRequest', { ...base, reason: 'Fire Drill' })).toThrow(/reason/)
      expect(() => assertSchema('ConfigSetRequest', { ...base })).toThrow(/required property 'config'/)
      expect(() => assertSchema('SummaryResendRequest', { ...base, from: '2026-12-01' })).toThrow(/required property 'to'/)
      expect(() => assertSchema('ListsIsolationRequest', { ...base, items: [{ subject: 'H-1' }] })).toThrow(/startDay/)
      expect(() => assertSchema('ListsRevokedRequest', { ...base, passIds: [''] })).toThrow(/passIds/)
      expect(() => assertSchema('ConfigGetRequest', { ...base, extra: 1 })).toThrow(/additional properties/)
      expect(() => assertSchema('ConfigGetRequest', { expires: base.expires })).toThrow(/requestId/)
      expect(() => assertMessage('request', { ...base, extra: 1 })).toThrow()
    })
  })
})
