// A task scheduler on a real SQLite file with a clock the test moves by hand, and what it put in the outbox as the
// platform would receive it (CloudEvents, checked against docs/asyncapi.yaml).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, afterEach } from 'vitest'
import { eventSerializer, type CloudEvent } from '../../cloud-bridge/envelope.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import type { ScheduleInput } from '../../gateway/schedules/defaults.ts'
import { TaskScheduler, type TaskChange } from '../../gateway/schedules/scheduler.ts'
import { Store } from '../../gateway/store/store.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'

export const TZ = 'Asia/Shanghai'
/** Wall ms of a local time in Shanghai (UTC+8 all year). */
export const at = (local: string): number => Date.parse(`${local}+08:00`)
export const iso = (local: string): string => new Date(at(local)).toISOString()
export const log = pino({ level: 'silent' })

const dirs: string[] = []
const open: { stop(): void; store: Store }[] = []
afterEach(() => {
  for (const o of open.splice(0)) {
    o.stop()
    o.store.close()
  }
})
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

export function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'estate-gate-tasks-'))
  dirs.push(dir)
  return join(dir, 'gate.db')
}

export interface Published {
  topic: string
  event: CloudEvent<Record<string, unknown>>
}


/** A clock shared by successive "processes" on the same database file. */
export class TestClock {
  constructor(public t: number) {}
  now = (): number => this.t
  mono = (): number => this.t
  set(local: string): void {
    this.t = at(local)
  }
}

export class Harness {
  readonly changes: TaskChange[] = []
  readonly store: Store
  readonly sched: TaskScheduler

  constructor(
    readonly path: string,
    readonly clock: TestClock,
    schedules: ScheduleInput[],
  ) {
    const res = validateConfig({ site: { timezone: TZ }, schedules })
    if (!res.ok) throw new Error(res.errors.join('\n'))
    this.store = new Store(path, { synchronous: 'normal' })
    this.sched = new TaskScheduler({ store: this.store, schedules: res.config.schedules, timeZone: TZ, clock, log, onChange: (c) => this.changes.push(c) })
    open.push({ stop: () => this.sched.stop(), store: this.store })
  }

  /** Every event in the outbox so far, as published, each checked against the AsyncAPI document. */
  published(after = 0): Published[] {
    return this.store.outboxAfter(after, 100_000).map((row) => {
      const event = JSON.parse(eventSerializer('/estate-gate/estate-001/north-1', this.store.seqstream())(row, false)) as CloudEvent<Record<string, unknown>>
      assertMessage(messageForTopic(row.topic), event)
      return { topic: row.topic, event }
    })
  }

  /** Task events as [event, taskId, dueAt, time]: what happened, to what, and when the gate said so. */
  taskEvents(after = 0): [string, string, string, string][] {
    return this.published(after)
      .filter((p) => p.topic === 'task')
      .map((p) => [p.event.data.event as string, p.event.data.taskId as string, p.event.data.dueAt as string, p.event.time])
  }

  alerts(after = 0): Record<string, unknown>[] {
    return this.published(after)
      .filter((p) => p.topic === 'alert')
      .map((p) => ({ ...p.event.data, time: p.event.time }))
  }

  /** Simulates the process ending (a power cut loses nothing committed). */
  close(): void {
    this.sched.stop()
    this.store.close()
  }
}
