// The wire format of DESIGN section 7 in one place: topic names, the CloudEvents 1.0 envelope of outbox messages,
// and the status payload.
import type { OutboxRow } from '../gateway/store/store.ts'

export const EVENT_TYPES = {
  entry: 'estategate.entry.v1',
  alert: 'estategate.alert.v1',
  task: 'estategate.task.v1',
  summary: 'estategate.summary.v1',
} as const

/** `{baseTopic}/{site}/{gate}`; throws on a level that is empty or holds a wildcard. */
export function gatePrefix(baseTopic: string, siteId: string, gateId: string): string {
  const levels = [...baseTopic.split('/'), siteId, gateId]
  for (const l of levels) if (!isPlainLevel(l)) throw new Error(`topic level "${l}" must be non-empty without "+", "#", "/" or NUL`)
  if (baseTopic.startsWith('$')) throw new Error('the base topic must not start with "$"')
  return levels.join('/')
}

/** CloudEvents `source`: `/estate-gate/{site}/{gate}`. */
export function eventSource(siteId: string, gateId: string): string {
  return `/estate-gate/${siteId}/${gateId}`
}

export const topics = {
  status: (prefix: string): string => `${prefix}/status`,
  /** `rel` is an outbox row's topic: entry, alert, task, summary/hour, summary/day. */
  event: (prefix: string, rel: string): string => `${prefix}/${rel}`,
  device: (prefix: string, name: string): string => {
    if (!isPlainLevel(name)) throw new Error(`device name "${name}" is not a plain topic level`)
    return `${prefix}/device/${name}`
  },
  /** The gate's state (mode, fire linkage, door), retained like device health. */
  gate: (prefix: string): string => `${prefix}/gate`,
  request: (prefix: string, command: string): string => `${prefix}/request/${command}`,
  response: (prefix: string, command: string): string => `${prefix}/response/${command}`,
}

/** Summaries are retained (a platform that subscribes late still gets the last hour and day); the rest are not. */
export function isRetained(rel: string): boolean {
  return rel === 'summary/hour' || rel === 'summary/day'
}

/** An outbox topic the bridge will publish: plain levels only, so the broker never kicks us for a bad name. */
export function isValidEventTopic(rel: string): boolean {
  return rel.length > 0 && rel.length <= 1024 && rel.split('/').every(isPlainLevel)
}

function isPlainLevel(level: string): boolean {
  return level.length > 0 && !/[+#/\u0000]/.test(level)
}

/**
 * The MQTT 5 Content Type of every event (CloudEvents MQTT binding §3.2.1: structured mode MUST carry the format's
 * media type). MQTT 3.1.1 has no properties: the same structured JSON goes without it.
 */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8'

/** The structured-mode CloudEvent as the platform parses it (tests and consumers). */
export interface CloudEvent<T = unknown> {
  specversion: '1.0'
  id: string
  source: string
  type: string
  time: string
  datacontenttype: 'application/json'
  seq: number
  /** The database's seq stream: gaps in seq are counted per (source, seqstream). */
  seqstream: string
  historical?: true
  /** A copy of something sent before (summary/resend); published unretained. */
  resend?: true
  data: T
}

/**
 * Returns a serializer for one gate's events. It concatenates instead of parse + stringify because `row.data` is
 * already JSON (the store wrote it with JSON.stringify) and the drain serializes tens of thousands per second.
 * `historical` is set only when true: the row waited in the outbox while the uplink was down; `resend` only on a
 * resent row.
 */
export function eventSerializer(source: string, seqstream: string): (row: OutboxRow, historical: boolean) => string {
  const head =
    `{"specversion":"1.0","source":${JSON.stringify(source)},"datacontenttype":"application/json",` +
    `"seqstream":${JSON.stringify(seqstream)},"id":`
  return (row, historical) =>
    `${head}${JSON.stringify(row.id)},"type":${JSON.stringify(row.type)},"time":${JSON.stringify(row.time)},"seq":${row.seq}` +
    `${historical ? ',"historical":true' : ''}${row.resend ? ',"resend":true' : ''},"data":${row.data}}`
}

export interface StatusMessage {
  state: 'online' | 'offline'
  /** RFC 3339: when this state was set (for the will: when the connection it guards was opened). */
  ts: string
  bootId: string
  version: string
  /** Outbox messages not yet acknowledged, on the online status. */
  backlog?: number
}

export function statusPayload(state: StatusMessage['state'], nowMs: number, bootId: string, version: string, backlog?: number): string {
  const m: StatusMessage = { state, ts: new Date(nowMs).toISOString(), bootId, version, ...(backlog === undefined ? {} : { backlog }) }
  return JSON.stringify(m)
}
