// The device layer's contract: typed readings, health, and the role interfaces the gateway drives.
// devices/ knows bytes and pins only; nothing here knows about passes, rules or MQTT.
import type { Logger } from 'pino'

/** Injected time. `now()` is the wall clock (epoch ms, may jump); `mono()` never goes back (ms, fractional). */
export interface Clock {
  now(): number
  mono(): number
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
}

export type DeviceKind = 'scanner' | 'thermometer' | 'relay' | 'buzzer' | 'input'

/** What a tech and /healthz see of a device. Counters only grow; names are stable (they are published). */
export interface DeviceHealth {
  name: string
  kind: DeviceKind
  driver: string
  online: boolean
  /** Wall-clock ms of the last valid frame or successful command; null if never. */
  lastSeen: number | null
  /** Wall-clock ms of the last change of `online`. */
  since: number
  counters: Record<string, number>
  /** Model, firmware, path, baud rate: whatever the driver learned. */
  info: Record<string, string | number | boolean | null>
  lastError: string | null
}

export type Unsubscribe = () => void

export interface Device {
  readonly name: string
  readonly kind: DeviceKind
  /** Never rejects because hardware is missing: the device goes offline and keeps retrying by itself. */
  start(): Promise<void>
  /** Releases the port or pin; relays are left in their safe (off) state. */
  stop(): Promise<void>
  health(): DeviceHealth
  /** Called whenever `online` changes (and on other notable health changes, at the driver's discretion). */
  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe
}

/** One decoded code from a scanner. The text is held in memory only for the decision. */
export interface ScanRead {
  scanner: string
  text: string
  /** Wall clock of the frame's end. */
  at: number
  /** Monotonic time the frame's last byte arrived: the start of the scan-to-relay latency. */
  mono: number
}

export interface Scanner extends Device {
  readonly kind: 'scanner'
  readonly direction: 'in' | 'out'
  onScan(listener: (scan: ScanRead) => void): Unsubscribe
  /** Modules that support it (gm65) start a scan by command; others reject. */
  trigger?(): Promise<void>
}

export interface TemperatureRead {
  device: string
  /** Object (body) temperature in °C after the device's offsetC. */
  celsius: number
  /** As the device reported it, before offsetC. */
  rawCelsius: number
  ambientCelsius: number | null
  /** Ambient outside 16-35 °C: the reading is kept but has low confidence. */
  ambientOutOfRange: boolean
  at: number
  mono: number
}

export type MeasureError = 'timeout' | 'crc' | 'exception' | 'offline' | 'no_reading' | 'fault'

export type MeasureResult =
  | { ok: true; reading: TemperatureRead }
  | { ok: false; error: MeasureError; detail?: string }

export interface MeasureRequest {
  /** Only readings taken at or after this monotonic time count. */
  notBefore: number
  /** How long to wait for a reading, in ms. */
  timeoutMs: number
  /** Which readings count as a person's (the gateway's valid range); streaming devices skip the others. */
  accept?: (celsius: number) => boolean
}

export interface Thermometer extends Device {
  readonly kind: 'thermometer'
  /**
   * One reading for a scan. On-demand devices (modbus-rtu, gy-mcu in query mode) ask the device now;
   * streaming ones return the latest accepted reading at or after `notBefore`, or wait for the next one.
   * If only unaccepted readings came, the latest of them is returned (the gateway calls it invalid).
   */
  measure(request: MeasureRequest): Promise<MeasureResult>
}

export interface Relay extends Device {
  readonly kind: 'relay'
  /** Which passages pulse it; none: only the fire linkage holds it (a fire exit's magnetic lock). */
  readonly direction: 'in' | 'out' | 'both' | 'none'
  /**
   * Energise for `ms` (default: the configured pulseMs); a pulse during a pulse extends it. False when the output
   * did not move: the pin refused or failed the write (health().lastError says why) or `ms` was not a duration.
   */
  pulse(ms?: number): boolean
  /**
   * Holds the gate open until hold(false) (remain-open, fire linkage); a pulse during a hold changes nothing, and
   * hold(false) during a pulse lets the pulse run out. False when the pin refused or failed the write.
   */
  hold(open: boolean): boolean
  /** The gate as this relay commands it now: open during a pulse or a hold. */
  readonly isOpen: boolean
  /** Called at the moment the output is commanded on (monotonic ms): the end of scan-to-relay latency. */
  onActuate(listener: (mono: number) => void): Unsubscribe
}

/**
 * What an input reports. `active` is the condition the kind names, after activeLow and debounce: door-contact =
 * the door is open, fire-alarm = the alarm is on, exit-button = pressed, tamper = the enclosure is open.
 */
export type InputKind = 'door-contact' | 'fire-alarm' | 'exit-button' | 'tamper'

export interface Input extends Device {
  readonly kind: 'input'
  readonly inputKind: InputKind
  /** The debounced level; null until the first read after start (and while offline). */
  readonly active: boolean | null
  /** Called on every debounced change (monotonic ms of the edge that began it), not for the first read. */
  onChange(listener: (active: boolean, mono: number) => void): Unsubscribe
}

export type BuzzerPattern = 'admit' | 'deny' | 'fever' | 'remeasure' | 'alarm'

export interface Buzzer extends Device {
  readonly kind: 'buzzer'
  play(pattern: BuzzerPattern): void
}

/** What every driver factory receives. */
export interface DeviceContext {
  clock: Clock
  log: Logger
  /** Root of /sys for GPIO base-offset discovery; tests point it at a fake tree. */
  sysfsRoot?: string
}
