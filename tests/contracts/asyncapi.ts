// Validates real messages against the JSON schemas of docs/asyncapi.yaml: the topic contract the central platform
// codes against. A schema that does not compile, or a message name it lacks, fails loudly.
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { parse } from 'yaml'
import { ROOT } from '../helpers/gatewayProcess.ts'

interface AsyncApiDoc {
  asyncapi: string
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>
  components: { messages: Record<string, { payload: { $ref: string } }>; schemas: Record<string, unknown> }
}

export const asyncapi = parse(readFileSync(`${ROOT}/docs/asyncapi.yaml`, 'utf8'), { merge: true }) as AsyncApiDoc

const ajv = new Ajv2020({ allErrors: true, strict: false })
;(addFormats as unknown as (a: Ajv2020) => void)(ajv)
// AsyncAPI refs point into the document: register it whole and resolve '#/components/...' against it.
ajv.addSchema({ $id: 'asyncapi', ...asyncapi.components, components: asyncapi.components }, 'asyncapi')

/** Throws with every violation if `payload` does not match the named message's schema. */
export function assertMessage(message: keyof AsyncApiDoc['components']['messages'] | string, payload: unknown): void {
  const ref = asyncapi.components.messages[message]?.payload.$ref
  if (!ref) throw new Error(`docs/asyncapi.yaml has no message "${message}"`)
  const validate = ajv.getSchema(`asyncapi${ref}`)
  if (!validate) throw new Error(`docs/asyncapi.yaml: cannot resolve ${ref}`)
  if (!validate(payload)) {
    throw new Error(`${message} does not match ${ref}:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(payload)}`)
  }
}

/** Throws with every violation if `payload` does not match the named schema of components.schemas (GateModeRequest). */
export function assertSchema(name: string, payload: unknown): void {
  if (!(name in asyncapi.components.schemas)) throw new Error(`docs/asyncapi.yaml has no schema "${name}"`)
  const validate = ajv.getSchema(`asyncapi#/components/schemas/${name}`)
  if (!validate) throw new Error(`docs/asyncapi.yaml: cannot resolve the schema ${name}`)
  if (!validate(payload)) throw new Error(`${name}:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(payload)}`)
}

/** Which message a topic below the gate prefix carries (entry, summary/hour, device/gate, response/gate/open). */
export function messageForTopic(relative: string): string {
  if (relative.startsWith('summary/')) return 'summary'
  if (relative.startsWith('device/')) return 'device'
  if (relative.startsWith('response/')) return 'response'
  if (relative.startsWith('request/')) return 'request'
  return relative
}
