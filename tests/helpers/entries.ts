// An entry row as the pipeline records it: a resident admitted inbound at 36.6 °C; tests override what they test.
import { randomUUID } from 'node:crypto'
import type { EntryRecord } from '../../gateway/store/store.ts'

export function entryRecord(over: Partial<EntryRecord> = {}): EntryRecord {
  return {
    eventId: randomUUID(),
    ts: Date.UTC(2026, 10, 23, 2, 0),
    day: '2026-11-23',
    clockTrusted: true,
    bootId: 'b1',
    source: 'scan',
    direction: 'in',
    kind: 'resident',
    subject: 'H-3-1-502',
    passId: 'p1',
    codeHash: null,
    tempC: 36.6,
    rechecked: false,
    decision: 'admit',
    reasons: [],
    scanner: 'scanner-in',
    staff: null,
    policyVersion: 'abc',
    detail: null,
    ...over,
  }
}
