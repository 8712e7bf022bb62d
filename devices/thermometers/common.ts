// What the thermometer drivers share: building a TemperatureRead, and the request/response core of the
// on-demand ones (modbus-rtu, gy-mcu in query mode): one request in flight, a minimum gap between requests,
// "offline after three misses in a row", and an idle poll so health stays current between people.
import type { Logger } from 'pino'
import type { HealthTracker } from '../health.ts'
import type { Clock, MeasureResult, TemperatureRead } from '../types.ts'

/** Ambient range for a trustworthy forehead reading (devices.md §4: Beijing metrology, 16-35 °C). */
export const AMBIENT_RANGE_C: readonly [number, number] = [16, 35]

export function makeReading(
  device: string,
  rawCelsius: number,
  ambientCelsius: number | null,
  offsetC: number,
  mono: number,
  clock: Clock,
): TemperatureRead {
  const round = (c: number): number => Math.round(c * 1000) / 1000
  return {
    device,
    celsius: round(rawCelsius + offsetC),
    rawCelsius: round(rawCelsius),
    ambientCelsius,
    ambientOutOfRange: ambientCelsius !== null && (ambientCelsius < AMBIENT_RANGE_C[0] || ambientCelsius > AMBIENT_RANGE_C[1]),
    at: clock.now() - Math.max(0, clock.mono() - mono),
    mono,
  }
}

export interface OnDemandOptions {
  clock: Clock
  state: HealthTracker
  log: Logger
  /** Silence between the end of one exchange and the next request (t3.5 for Modbus). */
  minGapMs: number
  pollIntervalMs: number
  /** One request/response exchange; resolves `offline` at once if the port is closed. */
  query: () => Promise<MeasureResult>
  missLimit?: number
}

const MISSES: ReadonlySet<string> = new Set(['timeout', 'crc', 'exception'])

/**
 * How long before a person's request an idle poll still on the wire may have been sent and still answer for them.
 * The person is in front of the sensor well before the scanner decodes their code, and the sensor's register holds
 * its latest sample; waiting for the poll, then t3.5, then an exchange of our own would add 5-40 ms at 9600 baud.
 * A poll already answered serves only within t3.5 of its reply: a request of our own could not go out sooner.
 */
export const SHARE_POLL_MS = 100

export class OnDemand {
  private chain: Promise<unknown> = Promise.resolve()
  /** The last idle poll, on the wire or answered: a person's request soon after takes its reply (SHARE_POLL_MS). */
  private lastPoll: { sentMono: number; reply: Promise<MeasureResult>; endMono: number | null } | null = null
  private queued = 0
  private lastEnd = -Infinity
  private misses = 0
  private active = false
  private pollTimer: NodeJS.Timeout | null = null
  private readonly missLimit: number

  constructor(private readonly opts: OnDemandOptions) {
    this.missLimit = opts.missLimit ?? 3
  }

  /**
   * A person's reading: the reply of the idle poll on the wire (sent at most SHARE_POLL_MS ago) or answered within
   * t3.5, when its reading is one `accept` takes (a poll sent before they stepped up reads the ambient); else an exchange of its own.
   */
  async measure(accept: (celsius: number) => boolean = () => true): Promise<MeasureResult> {
    const poll = this.lastPoll
    const now = this.opts.clock.mono()
    const usable = poll && (poll.endMono === null ? now - poll.sentMono <= SHARE_POLL_MS : now - poll.endMono <= this.opts.minGapMs)
    if (poll && usable) {
      const r = await poll.reply.catch(() => null)
      if (r?.ok && accept(r.reading.celsius)) return r
    }
    return this.run()
  }

  /** Queues one exchange behind the one in flight. */
  run(isPoll = false): Promise<MeasureResult> {
    this.clearPoll()
    this.queued++
    const task = async (): Promise<MeasureResult> => {
      const { clock } = this.opts
      const wait = this.lastEnd + this.opts.minGapMs - clock.mono()
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.ceil(wait)))
      let result: MeasureResult
      try {
        const reply = this.opts.query()
        const poll = isPoll ? { sentMono: clock.mono(), reply, endMono: null as number | null } : null
        if (poll) this.lastPoll = poll
        result = await reply
        if (poll) poll.endMono = clock.mono()
      } catch (err) {
        result = { ok: false, error: 'fault', detail: (err as Error).message }
      }
      this.lastEnd = clock.mono()
      this.account(result)
      return result
    }
    const p = this.chain.then(task, task)
    this.chain = p
    void p.finally(() => {
      this.queued--
      if (this.queued === 0) this.schedulePoll()
    })
    return p
  }

  /** The port opened: poll at once, then every pollIntervalMs. */
  opened(): void {
    this.active = true
    this.misses = 0
    void this.run(true)
  }

  /** The port closed (or the driver stops): no polls until it opens again. */
  closed(): void {
    this.active = false
    this.misses = 0
    this.lastPoll = null
    this.clearPoll()
  }

  private account(r: MeasureResult): void {
    const { state } = this.opts
    if (r.ok) {
      this.misses = 0
      state.seen()
      state.setOnline(true)
      return
    }
    if (!MISSES.has(r.error)) return
    this.misses++
    const msg = `${r.error}${r.detail ? `: ${r.detail}` : ''}`
    state.error(msg)
    if (this.misses >= this.missLimit && state.isOnline) {
      state.setOnline(false, `${this.misses} failed requests in a row (last: ${msg})`)
      this.opts.log.warn({ misses: this.misses, last: msg }, 'thermometer offline')
    }
  }

  private schedulePoll(): void {
    this.clearPoll()
    if (!this.active) return
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null
      if (this.active && this.queued === 0) void this.run(true)
    }, this.opts.pollIntervalMs)
  }

  private clearPoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer)
    this.pollTimer = null
  }
}
