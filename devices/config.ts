// Device sub-schemas: the only place device defaults live (DESIGN section 4). gateway/config composes them.
import { z } from 'zod'
import { tailError } from './protocols/line.ts'

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/i, 'letters, digits, "-" or "_", at most 48 characters')
const baudRate = z.union(
  [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200].map((b) => z.literal(b)) as unknown as [
    z.ZodLiteral<number>,
    z.ZodLiteral<number>,
    ...z.ZodLiteral<number>[],
  ],
  { error: 'one of 1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200' },
)
const serialPath = z.string().min(1)

/** Serial drivers need a path; `simulated` ones do not. */
function requirePath(v: { driver: string; path?: string | undefined }, ctx: z.RefinementCtx): void {
  if (v.driver !== 'simulated' && !v.path) {
    ctx.addIssue({ code: 'custom', path: ['path'], message: `required for driver "${v.driver}" (e.g. /dev/serial/by-id/...)` })
  }
}

export const scannerSchema = z
  .strictObject({
    name,
    driver: z.enum(['line', 'gm65', 'simulated']),
    path: serialPath.optional(),
    baudRate: baudRate.default(9600),
    direction: z.enum(['in', 'out']),
    /** Longest code accepted, in bytes (DESIGN section 5: 2048). */
    maxLength: z.number().int().min(16).max(8192).default(2048),
    /** Silence that ends a code for units configured with no tail. */
    idleMs: z.number().int().min(5).max(1000).default(50),
    /**
     * What ends a code: `auto` (CR, CR LF, LF or TAB), exactly `cr` | `crlf` | `lf` | `tab`, `none` (the idle gap
     * only), or hex bytes for odd units ("03"). An idle gap ends a code in every mode.
     */
    tail: z
      .string()
      .default('auto')
      .superRefine((t, ctx) => {
        const err = tailError(t)
        if (err) ctx.addIssue({ code: 'custom', message: err })
      }),
    /** gm65 only: probe and configure the module at start (UART output, the tail). */
    configure: z.boolean().default(true),
  })
  .superRefine(requirePath)

export const thermometerSchema = z
  .strictObject({
    name,
    driver: z.enum(['modbus-rtu', 'gy-mcu', 'simulated']),
    path: serialPath.optional(),
    baudRate: baudRate.default(9600),
    /** Forehead-to-body calibration added to every reading. */
    offsetC: z.number().min(-5).max(5).default(0),
    // modbus-rtu
    unitId: z.number().int().min(1).max(247).default(1),
    function: z.union([z.literal(3), z.literal(4)], { error: '3 (holding) or 4 (input registers)' }).default(4),
    register: z.number().int().min(0).max(0xffff).default(0),
    scale: z.number().positive().max(10).default(0.01),
    timeoutMs: z.number().int().min(20).max(5000).default(300),
    /** Health poll while idle, so an unplugged sensor is noticed before the next person arrives. */
    pollIntervalMs: z.number().int().min(100).max(60_000).default(1000),
    // gy-mcu
    mode: z.enum(['continuous', 'query']).default('continuous'),
  })
  .superRefine(requirePath)

const gpioPin = z.number().int().min(0).max(63)

export const relaySchema = z.strictObject({
  name,
  driver: z.enum(['gpio', 'simulated']),
  /** BCM number as printed on the board; the sysfs base offset is found at start. */
  pin: gpioPin.default(17),
  activeLow: z.boolean().default(false),
  pulseMs: z.number().int().min(100).max(30_000).default(3000),
  /** Which passages pulse it; `none`: never pulsed nor held by remain-open, only by the fire linkage (a fire exit). */
  direction: z.enum(['in', 'out', 'both', 'none']).default('both'),
  /**
   * What the lock does without power: true = opens (a magnetic lock, wired so that egress is free when the relay
   * drops out); false = stays locked (an electric strike). The relay is de-energised on stop and on a crash, so
   * true means the gate is open then, and an energised relay means locked.
   */
  failSafe: z.boolean().default(false),
  /** Held open while a fire-alarm input is active (gate.fireLatch: until a staff reset). */
  fireRelease: z.boolean().default(true),
})

export const buzzerSchema = z.strictObject({
  name,
  driver: z.enum(['gpio', 'simulated']),
  pin: gpioPin.default(27),
  activeLow: z.boolean().default(false),
})

export const inputSchema = z
  .strictObject({
    name,
    kind: z.enum(['door-contact', 'fire-alarm', 'exit-button', 'tamper']),
    driver: z.enum(['gpio', 'simulated']),
    /** BCM number, as for outputs (the sysfs base offset is found at start). */
    pin: gpioPin.optional(),
    /** Active at a low level (a contact to ground with a pull-up: the usual wiring). */
    activeLow: z.boolean().default(false),
    /** A level must hold this long to count (contacts bounce, a door rattles in the wind). */
    debounceMs: z.number().int().min(0).max(5000).default(50),
    /** simulated: a file holding 0 or 1, polled every 50 ms; default {dataDir}/inputs/{name}.level. */
    levelFile: z.string().min(1).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.driver === 'gpio' && v.pin === undefined) ctx.addIssue({ code: 'custom', path: ['pin'], message: 'required for driver "gpio" (the BCM number, e.g. 22)' })
    if (v.driver !== 'simulated' && v.levelFile !== undefined) ctx.addIssue({ code: 'custom', path: ['levelFile'], message: 'only for driver "simulated"' })
  })

export type ScannerConfig = z.output<typeof scannerSchema>
export type ThermometerConfig = z.output<typeof thermometerSchema>
export type RelayConfig = z.output<typeof relaySchema>
export type BuzzerConfig = z.output<typeof buzzerSchema>
export type InputConfig = z.output<typeof inputSchema>
