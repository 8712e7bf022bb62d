// The scheduler inside the gateway, on an injected clock: the bus event the kiosk listens to, tasks/list for the
// platform, GET /api/tasks on the kiosk port.
import { dirname } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { handleRequest } from '../../gateway/requests.ts'
import type { TaskChange } from '../../gateway/schedules/scheduler.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { at, iso, log, tempDb, TestClock } from './helpers.ts'

let gw: Gateway | null = null
afterEach(async () => {
  await gw?.stop()
  gw = null
})

describe('tasks in the gateway', () => {
  it('emits a task bus event per change, answers tasks/list and GET /api/tasks', async () => {
    const res = validateConfig({
      dataDir: dirname(tempDb()),
      kiosk: { host: '127.0.0.1', port: 0 },
      localBroker: { enabled: false },
      schedules: [{ id: 'gate-check', kind: 'duty-check', area: 'gate', cron: '0 9,14,22 * * *', graceMinutes: 30 }],
    })
    if (!res.ok) throw new Error(res.errors.join('\n'))
    const clock = new TestClock(at('2026-11-23T08:55:00'))
    gw = await Gateway.start(res.config, { log, clock, clockTrusted: () => true })
    const seen: TaskChange[] = []
    gw.bus.on('task', (c) => seen.push(c))

    clock.set('2026-11-23T09:00:00')
    gw.tasks.tick()
    expect(seen.map((c) => [c.event, c.occurrence.taskId, c.occurrence.dueAt])).toEqual([['due', 'gate-check', iso('2026-11-23T09:00:00')]])

    const r = await handleRequest('tasks/list', Buffer.from(JSON.stringify({ requestId: 'r1', expires: iso('2026-11-23T09:05:00') })), gw.requestContext())
    assertMessage('response', JSON.parse(JSON.stringify(r)))
    expect(r).toMatchObject({ status: 'ok', data: { tasks: [{ taskId: 'gate-check', status: 'due', dueAt: iso('2026-11-23T09:00:00') }] } })

    const http = (await (await fetch(`${gw.url}/api/tasks`)).json()) as { tasks: { id: number }[] }
    const id = http.tasks[0]!.id
    clock.set('2026-11-23T09:20:00')
    // At the kiosk the POST needs a staff login (gateway/kiosk); the route itself is tested in routes.test.ts.
    expect(gw.tasks.markDone(id, 'supervisor-wang', '').ok).toBe(true)
    expect(seen.map((c) => c.event)).toEqual(['due', 'done'])
    expect(seen[1]!.occurrence).toMatchObject({ doneBy: 'supervisor-wang', late: false, doneAt: iso('2026-11-23T09:20:00') })
  })
})
