// The schedules key: the defaults in force when it is absent, none with [], and errors that name the key path.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfigFile, validateConfig } from '../../gateway/config/load.ts'
import { redact } from '../../gateway/requests.ts'
import { tempDb } from './helpers.ts'

function errors(schedules: unknown): string[] {
  const res = validateConfig({ schedules })
  return res.ok ? [] : res.errors
}

describe('schedules config', () => {
  it('without the key: the practice of DESIGN section 8, visible as config (config/get)', () => {
    const res = validateConfig({})
    expect(res.ok).toBe(true)
    if (!res.ok) return
    expect(res.config.schedules.map((s) => [s.id, s.kind, s.area, s.cron ?? `every ${s.everyDays} days at ${s.at}`, s.graceMinutes])).toEqual([
      ['corridors', 'disinfection', 'corridors', 'every 2 days at 10:00', 240],
      ['lift-halls', 'disinfection', 'lift-halls', '0 8,13,18 * * *', 60],
      ['gate-area', 'disinfection', 'gate-area', '0 7,12,19 * * *', 60],
      ['toilets', 'disinfection', 'toilets', '0 15 * * *', 120],
      ['bins', 'disinfection', 'bins', '0 20 * * *', 120],
      ['duty-check', 'duty-check', 'gate', '0 9,14,22 * * *', 30],
    ])
    expect((redact(res.config) as { schedules: unknown[] }).schedules).toHaveLength(6)
  })

  it('an explicit [] means no tasks; a task without graceMinutes gets 60', () => {
    const none = validateConfig({ schedules: [] })
    expect(none.ok && none.config.schedules).toEqual([])
    const one = validateConfig({ schedules: [{ id: 'x', kind: 'duty-check', area: 'gate', cron: '30 7 * * 1-5' }] })
    expect(one.ok && one.config.schedules).toEqual([{ id: 'x', kind: 'duty-check', area: 'gate', cron: '30 7 * * 1-5', graceMinutes: 60 }])
  })

  it('a bad cron stops start-up with the key path and what node-cron says', () => {
    const file = join(dirname(tempDb()), 'gateway.yaml')
    writeFileSync(file, `schedules:\n  - { id: gate, kind: duty-check, area: gate, cron: "0 25 * * *", graceMinutes: 30 }\n`)
    const res = loadConfigFile(file)
    expect(res.ok).toBe(false)
    if (res.ok) return
    expect(res.errors).toEqual(['schedules[0].cron: not a node-cron expression: 25 is a invalid expression for hour (got "0 25 * * *")'])
    expect(errors([{ id: 'a', kind: 'duty-check', area: 'gate', cron: 'every morning' }])[0]).toMatch(/^schedules\[0\]\.cron: not a node-cron expression: expected 5 or 6 fields/)
    expect(errors([{ id: 'a', kind: 'duty-check', area: 'gate', cron: '*/10 * * * * *' }])).toEqual([
      'schedules[0].cron: five fields (minute hour day-of-month month day-of-week): tasks have no seconds field (got "*/10 * * * * *")',
    ])
  })

  it('refuses both cron and everyDays, neither, everyDays without at, and a duplicate id', () => {
    expect(errors([{ id: 'a', kind: 'disinfection', area: 'x', cron: '0 9 * * *', everyDays: 2, at: '09:00' }])).toEqual([
      'schedules[0].cron: give either cron, or everyDays with at',
      'schedules[0].at: only with everyDays (a cron expression carries its own time)',
    ])
    expect(errors([{ id: 'a', kind: 'disinfection', area: 'x' }])).toEqual(['schedules[0].cron: give either cron, or everyDays with at'])
    expect(errors([{ id: 'a', kind: 'disinfection', area: 'x', everyDays: 2 }])).toEqual(['schedules[0].at: required with everyDays'])
    expect(
      errors([
        { id: 'bins', kind: 'disinfection', area: 'bins', cron: '0 20 * * *' },
        { id: 'toilets', kind: 'disinfection', area: 'toilets', cron: '0 15 * * *' },
        { id: 'bins', kind: 'disinfection', area: 'bins-2', cron: '0 8 * * *' },
      ]),
    ).toEqual(['schedules[2].id: "bins" is already used by schedules[0]'])
    expect(errors([{ id: 'a', kind: 'cleaning', area: 'x', cron: '0 9 * * *' }])[0]).toMatch(/^schedules\[0\]\.kind: .*"disinfection".*"duty-check"/)
  })
})
