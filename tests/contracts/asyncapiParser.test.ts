// docs/asyncapi.yaml as the AsyncAPI project's own parser reads it (@asyncapi/parser, with its default ruleset):
// no diagnostic of any severity, so that a platform generating code from it meets no surprise.
import { readFileSync } from 'node:fs'
import { Parser } from '@asyncapi/parser'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/gatewayProcess.ts'

describe('docs/asyncapi.yaml read by @asyncapi/parser', () => {
  it('parses with no error, no warning, no info and no hint', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(`${ROOT}/docs/asyncapi.yaml`, 'utf8'))
    expect(diagnostics.map((d) => `${['error', 'warning', 'info', 'hint'][d.severity]} ${d.code} at ${d.path.join('.')}: ${d.message}`)).toEqual([])
    expect(document).toBeDefined()
    // What the document says about where each channel is carried and how events are typed.
    const servers = (id: string): string[] => document!.channels().get(id)!.servers().all().map((s) => s.id()).sort()
    for (const id of ['status', 'entry', 'alert', 'task', 'summaryHour', 'summaryDay', 'device']) expect(servers(id), id).toEqual(['central', 'embedded'])
    for (const id of ['request', 'response']) expect(servers(id), id).toEqual(['central'])
    expect(servers('localDevice')).toEqual(['embedded'])
    for (const m of ['entry', 'alert', 'task', 'summary']) {
      const message = document!.components().messages().get(m)!
      expect(message.contentType()).toBe('application/cloudevents+json')
      expect(message.bindings().get('mqtt')?.value()).toMatchObject({ contentType: 'application/cloudevents+json; charset=utf-8' })
    }
    // Requests as a platform's generator reads them: each command a schema of its own, with what the gateway requires.
    const schemas = document!.components().schemas()
    const gateMode = schemas.get('GateModeRequest')!
    expect(gateMode.required()?.slice().sort()).toEqual(['expires', 'mode', 'reason', 'requestId'])
    expect(Object.keys(gateMode.properties() ?? {}).sort()).toEqual(['expires', 'mode', 'reason', 'requestId', 'staff', 'topic'])
    expect(gateMode.additionalProperties()).toBe(false)
    expect(gateMode.properties()!.reason!.minLength()).toBe(2)
    expect(gateMode.properties()!.reason!.maxLength()).toBe(200)
    expect(schemas.get('GateOpenRequest')!.required()).toContain('reason')
    const request = document!.components().messages().get('request')!.payload()!
    const union = request.oneOf()!.find((s) => s.anyOf() !== undefined)!
    expect(union.anyOf()!.length).toBe(8)
    expect(union.anyOf()!.every((s) => s.additionalProperties() === false && s.required()?.includes('requestId'))).toBe(true)
  })
})
