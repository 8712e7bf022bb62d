// The demo's crowd: residents, visitors, staff and vehicles coming and going through the simulated devices,
// now and then a fever, a forged code, an expired pass or a code that is not a pass at all. Whoever is let through
// opens the simulated door a moment after the relay pulses and lets it close a couple of seconds later, so the demo's
// door supervision sees what a real door does (and raises nothing).
import { readFileSync, statSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Input, Scanner, Thermometer } from '../devices/types.ts'
import { issuePass, type IssuerKey } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'

interface Injectable {
  inject(text: string): void
}
interface Queueable {
  queue(...celsius: number[]): void
}
interface Settable {
  set(active: boolean): void
  /** The simulated input's level file (SimulatedInput). */
  readonly levelFile?: string
}

/** What the crowd needs of a decision: whether the gate really opened for it. */
interface Opened {
  decision: 'admit' | 'deny'
  actuatedMono: number | null
  relayFailures: readonly unknown[]
  reasons: readonly string[]
}

export interface CrowdGateway {
  scanners: readonly Scanner[]
  thermometers: readonly Thermometer[]
  config: { gate: { id: string }; rules: { recheck: boolean } }
  /** Simulated door contacts are opened and closed by the people let through. */
  inputs?: readonly Input[]
  bus?: { on(event: 'decision', listener: (d: Opened) => void): () => void }
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
  const door = walkThrough(gw, rnd, log)

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
    door()
  }
}

/**
 * The simulated door: each person let through opens it 0.5-1.5 s after the relay pulsed (well inside pulseMs + 2 s,
 * so it is not "forced") and lets it close 1.5-2.5 s later (well inside gate.heldOpenSec), even with someone close
 * behind: a door that stood open through a busy minute would be a held-open alert. A door someone else holds open
 * (`npm run sim -- input door on`: its level file written since the crowd's own last write, saying open) is left
 * alone until they close it, so a propped door is seen as one. Returns the stop.
 */
function walkThrough(gw: CrowdGateway, rnd: () => number, log: Logger): () => void {
  const contact = gw.inputs?.find((i): i is Input & Settable => i.inputKind === 'door-contact' && typeof (i as Partial<Settable>).set === 'function')
  if (!contact || !gw.bus) return () => {}
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }
  const file = contact.levelFile
  /** The level file's mtime after the crowd's own last write: another time means someone else wrote it. */
  let own: number | null = null
  const heldByOther = (): boolean => {
    if (!file) return false
    try {
      if (own !== null && statSync(file).mtimeMs === own) return false
      return readFileSync(file, 'utf8').trim() === '1'
    } catch {
      return false
    }
  }
  const set = (open: boolean): void => {
    if (heldByOther()) return
    try {
      contact.set(open)
      if (file) own = statSync(file).mtimeMs
    } catch (err) {
      log.warn({ err, door: contact.name }, 'the crowd could not move the simulated door')
    }
  }
  const off = gw.bus.on('decision', (d) => {
    if (d.decision !== 'admit' || d.actuatedMono === null || d.relayFailures.length > 0 || d.reasons.includes('gate_closed')) return
    const opensIn = 500 + rnd() * 1000
    later(opensIn, () => set(true))
    later(opensIn + 1500 + rnd() * 1000, () => set(false))
  })
  return () => {
    off()
    for (const t of timers) clearTimeout(t)
    timers.clear()
  }
}

function isInjectable(s: unknown): s is Scanner & Injectable {
  return typeof (s as Partial<Injectable>).inject === 'function'
}

function isQueueable(t: unknown): t is Thermometer & Queueable {
  return typeof (t as Partial<Queueable>).queue === 'function'
}
