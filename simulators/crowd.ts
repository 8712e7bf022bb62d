// The demo's crowd: residents, visitors, staff and vehicles coming and going through the simulated devices,
// now and then a fever, a forged code, an expired pass or a code that is not a pass at all.
import type { Logger } from 'pino'
import type { Scanner, Thermometer } from '../devices/types.ts'
import { issuePass, type IssuerKey } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'

interface Injectable {
  inject(text: string): void
}
interface Queueable {
  queue(...celsius: number[]): void
}

export interface CrowdGateway {
  scanners: readonly Scanner[]
  thermometers: readonly Thermometer[]
  config: { gate: { id: string }; rules: { recheck: boolean } }
}

export interface CrowdOptions {
  issuer: IssuerKey
  /** Mean gap between two people. */
  intervalMs: number
  log: Logger
  random?: () => number
}

interface Person {
  sub: string
  kind: 'resident' | 'visitor' | 'staff' | 'vehicle'
  pass: string
  inside: boolean
}

/** Starts the crowd; returns the function that stops it. */
export function startCrowd(gw: CrowdGateway, opts: CrowdOptions): () => void {
  const rnd = opts.random ?? Math.random
  const log = opts.log.child({ module: 'simulators/crowd' })
  const simulated = gw.scanners.filter(isInjectable)
  const inbound = simulated.find((s) => s.direction === 'in')
  const outbound = simulated.find((s) => s.direction === 'out')
  const thermo = gw.thermometers.find(isQueueable)
  if (!inbound || !outbound) {
    log.warn('the crowd needs simulated scanners in both directions; it stays home')
    return () => {}
  }
  const forger: IssuerKey = { kid: opts.issuer.kid, privateKeyPem: newKeyPair('forger').privateKeyPem }
  const people: Person[] = []
  let timer: NodeJS.Timeout | null = null
  let stopped = false

  const issue = (key: IssuerKey, sub: string, kind: Person['kind'], ttlSeconds: number, hc?: 'green' | 'yellow' | 'red'): Promise<string> =>
    issuePass(key, { sub, kind, ...(hc ? { hc } : {}) }, { now: Date.now(), ttlSeconds })

  const setup = async (): Promise<void> => {
    for (let b = 1; b <= 4; b++)
      for (let f = 1; f <= 5; f++) {
        const sub = `H-${b}-1-${f}0${1 + Math.floor(rnd() * 4)}`
        for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++)
          people.push({ sub, kind: 'resident', pass: await issue(opts.issuer, sub, 'resident', 30 * 86_400), inside: rnd() < 0.7 })
      }
    for (let s = 1; s <= 3; s++) people.push({ sub: `S-${s}`, kind: 'staff', pass: await issue(opts.issuer, `S-${s}`, 'staff', 30 * 86_400), inside: false })
  }

  const step = async (): Promise<void> => {
    const roll = rnd()
    const temp = (): number => Math.round((36.1 + rnd() * 0.9) * 10) / 10
    let text: string
    let direction: 'in' | 'out'
    // Codes denied before the thermometer is asked leave no reading behind for the next person.
    let measured = false
    if (roll < 0.03) {
      // A forged pass: right shape, wrong key.
      text = await issue(forger, 'H-9-9-999', 'resident', 86_400)
      direction = 'in'
    } else if (roll < 0.05) {
      text = 'https://weixin.qq.com/r/not-a-pass'
      direction = 'in'
    } else if (roll < 0.07) {
      text = await issuePass(opts.issuer, { sub: 'V-expired', kind: 'visitor' }, { now: Date.now() - 2 * 86_400_000, ttlSeconds: 3600 })
      direction = 'in'
    } else if (roll < 0.17) {
      // A visitor with a fresh temporary pass, sometimes a yellow health code.
      const hc = rnd() < 0.15 ? 'yellow' : 'green'
      text = await issue(opts.issuer, `V-${Math.floor(rnd() * 1e6)}`, 'visitor', 4 * 3600, hc)
      direction = 'in'
      measured = hc === 'green'
    } else {
      const p = people[Math.floor(rnd() * people.length)]!
      direction = p.inside ? 'out' : 'in'
      p.inside = !p.inside
      text = p.pass
      measured = true
    }
    if (direction === 'in' && measured && thermo) {
      const r = rnd()
      if (r < 0.04) thermo.queue(37.6 + rnd(), 37.5 + rnd()) // a fever that the re-check confirms
      else if (r < 0.07) thermo.queue(37.4 + rnd() * 0.3, temp()) // warm from cycling: the re-check clears it
      else if (r < 0.09) thermo.queue(32.5) // aimed at the hat: invalid, re-measure
      else thermo.queue(temp())
    }
    ;(direction === 'in' ? inbound : outbound).inject(text)
  }

  const schedule = (): void => {
    if (stopped) return
    // Exponential gaps: people arrive at random, not on a metronome.
    const gap = Math.min(-Math.log(1 - rnd()) * opts.intervalMs, opts.intervalMs * 5)
    timer = setTimeout(() => {
      step().then(schedule, (err: unknown) => {
        log.error({ err }, 'crowd step failed')
        schedule()
      })
    }, gap)
  }

  setup().then(schedule, (err: unknown) => log.error({ err }, 'crowd setup failed'))
  log.info({ intervalMs: opts.intervalMs }, 'simulated crowd started')
  return () => {
    stopped = true
    if (timer) clearTimeout(timer)
  }
}

function isInjectable(s: unknown): s is Scanner & Injectable {
  return typeof (s as Partial<Injectable>).inject === 'function'
}

function isQueueable(t: unknown): t is Thermometer & Queueable {
  return typeof (t as Partial<Queueable>).queue === 'function'
}
