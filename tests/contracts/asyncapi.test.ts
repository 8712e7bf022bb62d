import { describe, expect, it } from 'vitest'
import { asyncapi, assertMessage } from './asyncapi.ts'

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
})
