// The envelope as the CloudEvents SDK (cloudevents 10, not ours) reads it: strictly as structured JSON, and through
// its MQTT binding with the Content Type the bridge sets on MQTT 5. The e2e test (tests/integration/wire.e2e.test.ts)
// does the same for what a real gateway puts on a real broker.
import { CloudEvent, MQTT, ValidationError } from 'cloudevents'
import { describe, expect, it } from 'vitest'
import { CLOUDEVENTS_CONTENT_TYPE, EVENT_TYPES, eventSerializer, eventSource } from '../../cloud-bridge/envelope.ts'
import type { OutboxRow } from '../../gateway/store/store.ts'
import { assertMessage } from './asyncapi.ts'

const serialize = eventSerializer(eventSource('estate-001', 'north-1'), '9b1f0c2d4e5a6b7c8d9e0f1a2b3c4d5e')
const row = (topic: string, type: string, data: unknown, over: Partial<OutboxRow> = {}): OutboxRow => ({
  seq: 7, id: '0b7e6c1a-1111-4a6b-9c1d-2e3f4a5b6c7d', topic, type, time: '2026-11-23T02:00:00.000+08:00', data: JSON.stringify(data), createdAt: 1, ...over,
})
// The implementation takes `strict` (throw when the message is no CloudEvent); the Deserializer type omits it.
const toEvent = MQTT.toEvent as unknown as (m: unknown, strict: boolean) => CloudEvent<unknown>

describe('the envelope read by the CloudEvents SDK', () => {
  const summary = { kind: 'day', period: '2026-11-22', from: '2026-11-22T00:00:00+08:00', to: '2026-11-23T00:00:00+08:00', timeZone: 'Asia/Shanghai', resent: true,
    counts: { entries: 0, in: 0, out: 0, admitted: 0, denied: 0, overrides: 0, fevers: 0, byReason: {}, byKind: {}, maxTempC: null, isolatedHouseholds: 0 } }
  const cases: [string, string, OutboxRow, boolean][] = [
    ['entry', 'entry', row('entry', EVENT_TYPES.entry, { direction: 'in', kind: 'resident', subject: 'H-1', passId: 'p', tempC: 36.6, decision: 'admit', reasons: [], rechecked: false, staff: null, scanner: 's' }), false],
    ['alert, historical', 'alert', row('alert', EVENT_TYPES.alert, { kind: 'fever', severity: 'critical', message: 'fever 38.1' }), true],
    ['task', 'task', row('task', EVENT_TYPES.task, { taskId: 't', occurrenceId: 1, event: 'due', kind: 'disinfection', area: 'gate', day: '2026-11-23', dueAt: '2026-11-23T09:00:00+08:00', graceMinutes: 30 }), false],
    ['summary, resent', 'summary', row('summary/day', EVENT_TYPES.summary, summary, { resend: true }), false],
  ]
  for (const [name, message, r, historical] of cases) {
    it(`${name}: strict structured JSON and the MQTT binding agree, extensions included`, () => {
      const body = serialize(r, historical)
      assertMessage(message, JSON.parse(body))
      const strict = new CloudEvent(JSON.parse(body) as never, true)
      const viaMqtt = toEvent({ body, headers: {}, PUBLISH: { 'Content Type': CLOUDEVENTS_CONTENT_TYPE } }, true)
      for (const ev of [strict, viaMqtt]) {
        expect(ev).toMatchObject({ specversion: '1.0', id: r.id, type: r.type, seq: 7, seqstream: '9b1f0c2d4e5a6b7c8d9e0f1a2b3c4d5e' })
        expect(ev.historical).toBe(historical ? true : undefined)
        expect(ev.resend).toBe(r.resend ? true : undefined)
      }
      // Without the Content Type the binding sees no event at all: what MQTT 5 subscribers got before issue 12.
      expect(() => toEvent({ body, headers: {}, PUBLISH: {} }, true)).toThrow(/No CloudEvent detected/)
    })
  }

  it('the SDK is not lenient about extension names: ours are lowercase letters and digits', () => {
    const good = JSON.parse(serialize(cases[0]![2], false)) as Record<string, unknown>
    expect(() => new CloudEvent({ ...good, seqStream: 'x' } as never, true)).toThrow(ValidationError)
    expect(() => new CloudEvent({ ...good, seq_stream: 'x' } as never, true)).toThrow(/invalid extension name/)
  })
})
