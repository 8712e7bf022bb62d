// The tasks in force when the config has no `schedules` key (DESIGN section 8, from estates' practice during an
// epidemic): corridors every 2 days, lift halls and the gate area 3 times a day, bins and toilets daily, the
// supervisor's duty checks at 9:00, 14:00 and 22:00. An explicit `schedules: []` means no tasks at all.
// Times are local (site.timezone). Graces follow the rhythm: an hour for a round repeated 3 times a day, two for a
// daily one, four for the corridors, half an hour for a duty check (a supervisor on site).

export interface ScheduleInput {
  id: string
  kind: 'disinfection' | 'duty-check'
  area: string
  cron?: string
  everyDays?: number
  at?: string
  graceMinutes?: number
}

export const DEFAULT_SCHEDULES: readonly ScheduleInput[] = [
  { id: 'corridors', kind: 'disinfection', area: 'corridors', everyDays: 2, at: '10:00', graceMinutes: 240 },
  { id: 'lift-halls', kind: 'disinfection', area: 'lift-halls', cron: '0 8,13,18 * * *', graceMinutes: 60 },
  { id: 'gate-area', kind: 'disinfection', area: 'gate-area', cron: '0 7,12,19 * * *', graceMinutes: 60 },
  { id: 'toilets', kind: 'disinfection', area: 'toilets', cron: '0 15 * * *', graceMinutes: 120 },
  { id: 'bins', kind: 'disinfection', area: 'bins', cron: '0 20 * * *', graceMinutes: 120 },
  { id: 'duty-check', kind: 'duty-check', area: 'gate', cron: '0 9,14,22 * * *', graceMinutes: 30 },
]
