// Taking an inbound person's temperature (DESIGN section 3.3): pair a reading with the scan, one automatic
// re-check of a fever reading, invalid readings never treated as normal, degraded mode without a thermometer.
import type { Clock, MeasureResult, Thermometer } from '../../devices/types.ts'
import type { RulesConfig } from '../config/schema.ts'

export interface Reading {
  device: string
  celsius: number
  ambientOutOfRange: boolean
}

export type TemperatureOutcome =
  | { status: 'ok'; tempC: number; rechecked: boolean; readings: Reading[] }
  | { status: 'fever'; tempC: number; rechecked: boolean; readings: Reading[] }
  | { status: 'invalid'; tempC: number | null; rechecked: boolean; readings: Reading[]; error?: string }
  /** No thermometer online: the gate runs degraded and staff type the temperature. */
  | { status: 'none'; tempC: null; rechecked: false; readings: Reading[] }

export interface TemperatureDeps {
  thermometers: readonly Thermometer[]
  rules: Pick<RulesConfig, 'feverC' | 'validRangeC' | 'recheck' | 'recheckDelayMs' | 'pairWindowMs'>
  clock: Clock
  sleep: (ms: number) => Promise<void>
  /** Told when a fever reading is being re-checked (kiosk prompt, buzzer). */
  onRecheck?: (first: Reading) => void
  /** Degraded mode: a temperature typed at the kiosk, or null if none came in time. */
  manualTemperature?: (timeoutMs: number) => Promise<number | null>
}

export type FirstReading = Promise<MeasureResult | 'none'>

/**
 * Asks for the reading that pairs with a scan. The pipeline starts this the moment the code arrives, in parallel
 * with the pass check: the person is already in front of the thermometer, and the wire round trip is then hidden
 * behind the signature check instead of added to it.
 */
export function startFirstReading(scanMono: number, deps: Pick<TemperatureDeps, 'thermometers' | 'rules'>): FirstReading {
  const { rules } = deps
  return measureAny(deps, { notBefore: scanMono - rules.pairWindowMs, timeoutMs: rules.pairWindowMs, accept: validRange(rules) }).catch(
    (err: unknown): MeasureResult => ({ ok: false, error: 'fault', detail: String(err) }),
  )
}

function validRange(rules: Pick<RulesConfig, 'validRangeC'>): (c: number) => boolean {
  const [lo, hi] = rules.validRangeC
  return (c) => c >= lo && c <= hi
}

export async function takeTemperature(scanMono: number, deps: TemperatureDeps, firstReading?: FirstReading): Promise<TemperatureOutcome> {
  const { rules } = deps
  const accept = validRange(rules)
  const readings: Reading[] = []

  const first = await (firstReading ?? startFirstReading(scanMono, deps))
  if (first === 'none') {
    const typed = deps.manualTemperature ? await deps.manualTemperature(rules.pairWindowMs) : null
    if (typed === null) return { status: 'none', tempC: null, rechecked: false, readings }
    return classify({ device: 'manual', celsius: typed, ambientOutOfRange: false }, false)
  }
  if (!first.ok) return { status: 'invalid', tempC: null, rechecked: false, readings, error: first.error }
  const r1 = toReading(first)
  readings.push(r1)
  if (!accept(r1.celsius) || r1.celsius < rules.feverC || !rules.recheck) return classify(r1, false)

  deps.onRecheck?.(r1)
  await deps.sleep(rules.recheckDelayMs)
  const second = await measureAny(deps, { notBefore: deps.clock.mono(), timeoutMs: rules.pairWindowMs, accept })
  if (second === 'none') return { status: 'invalid', tempC: r1.celsius, rechecked: true, readings, error: 'offline' }
  if (!second.ok) return { status: 'invalid', tempC: r1.celsius, rechecked: true, readings, error: second.error }
  const r2 = toReading(second)
  readings.push(r2)
  return classify(r2, true)

  function classify(r: Reading, rechecked: boolean): TemperatureOutcome {
    if (!accept(r.celsius)) return { status: 'invalid', tempC: r.celsius, rechecked, readings }
    if (r.celsius >= rules.feverC) return { status: 'fever', tempC: r.celsius, rechecked, readings }
    return { status: 'ok', tempC: r.celsius, rechecked, readings }
  }
}

/** A garbled or lost reply on RS-485 is worth one more try before a person is asked to step back. */
const TRANSIENT = new Set(['crc', 'timeout'])

/** The first online thermometer in config order answers; an offline one hands over to the next. */
async function measureAny(
  deps: Pick<TemperatureDeps, 'thermometers'>,
  req: { notBefore: number; timeoutMs: number; accept: (c: number) => boolean },
): Promise<MeasureResult | 'none'> {
  let last: MeasureResult | 'none' = 'none'
  for (const t of deps.thermometers) {
    if (!t.health().online) continue
    let r = await t.measure(req)
    if (!r.ok && TRANSIENT.has(r.error)) r = await t.measure(req)
    if (r.ok || r.error !== 'offline') return r
    last = r
  }
  return last === 'none' || (!last.ok && last.error === 'offline') ? 'none' : last
}

function toReading(r: Extract<MeasureResult, { ok: true }>): Reading {
  // One decimal, as shown and published: 37.25 must not be "normal" on the screen and "fever" in the log.
  const celsius = Math.round(r.reading.celsius * 10) / 10
  return { device: r.reading.device, celsius, ambientOutOfRange: r.reading.ambientOutOfRange }
}
