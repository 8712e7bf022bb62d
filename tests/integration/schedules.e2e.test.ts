// Tasks end to end: the real gateway process, a real mosquitto as the central broker, a real minute boundary.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import type { CloudEvent } from '../../cloud-bridge/envelope.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { GatewayProcess, runGateway, tempDir } from '../helpers/gatewayProcess.ts'

const P = 'estate-gate/estate-001/north-1'
let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let platform: mqtt.MqttClient | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await platform?.endAsync(true)
  await broker?.dispose()
  gw = null
  platform = null
  broker = null
})

describe('schedules in a real gateway', () => {
  it('a task due every minute publishes its due event on P/task at the minute', async () => {
    broker = await Mosquitto.start()
    platform = await mqtt.connectAsync(broker.url, { protocolVersion: 5 })
    const tasks: CloudEvent<Record<string, unknown>>[] = []
    platform.on('message', (topic, payload) => {
      if (topic === `${P}/task`) tasks.push(JSON.parse(payload.toString()) as CloudEvent<Record<string, unknown>>)
    })
    await platform.subscribeAsync(`${P}/task`, { qos: 1 })
    gw = await GatewayProcess.start({
      central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      localBroker: { enabled: false },
      schedules: [{ id: 'gate-check', kind: 'duty-check', area: 'gate', cron: '* * * * *', graceMinutes: 1 }],
      log: { level: 'info' },
    })
    const due = await gw.until(() => tasks.find((t) => t.data.event === 'due'), 75_000, 'a due task event')
    assertMessage('task', due)
    expect(due).toMatchObject({ type: 'estategate.task.v1', source: '/estate-gate/estate-001/north-1', data: { taskId: 'gate-check', kind: 'duty-check', area: 'gate', graceMinutes: 1 } })
    const dueAt = Date.parse(due.data.dueAt as string)
    expect(dueAt % 60_000).toBe(0)
    // Raised by the timer armed to the minute, not by the minutely pass (which runs up to a minute after it): the
    // event's time is its dueAt plus the time to commit, not tens of seconds later.
    expect(Date.parse(due.time) - dueAt).toBeLessThan(5_000)
    expect(gw.query<{ task_id: string; due_at: number }>('SELECT task_id, due_at FROM task_occurrences')).toContainEqual({ task_id: 'gate-check', due_at: dueAt })
  }, 90_000)

  it('a bad cron expression stops start-up with exit code 2 and the key path', async () => {
    const dir = tempDir()
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, `dataDir: ${join(dir, 'data')}\nschedules:\n  - { id: bins, kind: disinfection, area: bins, cron: "0 20 * * 8" }\n`)
    const res = await runGateway(['--config', file])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('schedules[0].cron: not a node-cron expression')
  })
})
