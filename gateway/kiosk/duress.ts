// A login with a staff member's duress PIN (kiosk.staffPins[].duressPin): someone is forcing the guard. The login
// itself is the ordinary one (same response, session, shift and log lines: staff.ts does not branch on it); this
// only adds the silent alert, and where it may be seen is the point:
// - the platform: through the outbox like every alert, so that it survives an uplink outage;
// - never the embedded broker (cloud-bridge/mirror.ts leaves it out: a local display may be in the intruder's view),
//   never the kiosk (no kiosk event row, no alarm, nothing in the snapshot or the live feed), never the /tech log
//   page (the journal line below is JOURNAL_ONLY: systemd's journal keeps it for the investigation, the LogRing
//   does not, and the login's own lines say no more than any login's), and not even as one more in the queue the
//   screen and a display count while the uplink is down (Store.enqueueUnlisted, localBacklog).
import type { Logger } from 'pino'
import { systemAlertMessage } from '../alerts.ts'
import { JOURNAL_ONLY } from '../logger.ts'
import { rfc3339 } from '../time.ts'
import type { KioskGateway } from './context.ts'
import type { Person } from './pins.ts'

export const DURESS_ALERT = 'duress'

/**
 * Queues the `duress` alert (critical) and wakes the uplink. Never throws: the login must go on as usual whatever
 * happens here (a refusal would tell the person forcing the guard more than any alert is worth).
 */
export function raiseDuress(gw: Pick<KioskGateway, 'store' | 'clock' | 'wakeUplink'>, log: Logger, person: Person, from: 'screen' | 'network'): void {
  const now = gw.clock.now()
  const data = {
    kind: DURESS_ALERT,
    severity: 'critical' as const,
    message: `${person.id} logged in at the kiosk with their duress PIN: treat as a silent hold-up alarm`,
    staff: person.id,
    // The name too (against the rule for kiosk records): whoever answers a hold-up alarm asks for the person by name.
    staffName: person.name,
    loginFrom: from,
    loggedInAt: rfc3339(now),
  }
  try {
    const [seq] = gw.store.enqueueUnlisted([systemAlertMessage(data, now)], now)
    gw.wakeUplink()
    log.warn({ ...JOURNAL_ONLY, staff: person.id, loginFrom: from, seq }, 'duress PIN used: silent alert queued for the platform')
  } catch (err) {
    log.error({ ...JOURNAL_ONLY, err, staff: person.id, loginFrom: from }, 'duress PIN used but the alert could not be queued')
  }
}
