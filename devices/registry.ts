// Config → driver. One static table per role (no folder scanning); an unknown driver names the known ones.
// Simulated drivers come back as their concrete classes, so the demo can `inject()` scans and `queue()` readings.
import type { BuzzerConfig, InputConfig, RelayConfig, ScannerConfig, ThermometerConfig } from './config.ts'
import { GpioInput } from './inputs/gpioInput.ts'
import { SimulatedInput } from './inputs/simulated.ts'
import { PinBuzzer } from './outputs/buzzer.ts'
import { PinRelay } from './outputs/relay.ts'
import { Gm65Scanner } from './scanners/gm65.ts'
import { LineScanner } from './scanners/line.ts'
import { SimulatedScanner } from './scanners/simulated.ts'
import { GyMcuThermometer } from './thermometers/gyMcu.ts'
import { ModbusThermometer } from './thermometers/modbusRtu.ts'
import { SimulatedThermometer } from './thermometers/simulated.ts'
import { OnoffInputPin, OnoffPin, SimulatedPin, type GpioInputClassLike, type GpioPin } from './transport/gpio.ts'
import type { SerialBinding } from './transport/serialLink.ts'
import type { Buzzer, DeviceContext, Input, Relay, Scanner, Thermometer } from './types.ts'

export interface RegistryOptions {
  /** Serial binding for every serial driver (`SerialPortMock.binding` in tests). */
  binding?: SerialBinding
}

type Simulated<C extends { driver: string }> = C & { driver: 'simulated' }

export type SimulatedRelay = PinRelay<SimulatedPin> & { readonly pin: SimulatedPin }
export type SimulatedBuzzer = PinBuzzer<SimulatedPin> & { readonly pin: SimulatedPin }

export function createScanner(cfg: Simulated<ScannerConfig>, ctx: DeviceContext, opts?: RegistryOptions): SimulatedScanner
export function createScanner(cfg: ScannerConfig, ctx: DeviceContext, opts?: RegistryOptions): Scanner
export function createScanner(cfg: ScannerConfig, ctx: DeviceContext, opts: RegistryOptions = {}): Scanner {
  switch (cfg.driver) {
    case 'line':
      return new LineScanner(cfg, ctx, opts)
    case 'gm65':
      return new Gm65Scanner(cfg, ctx, opts)
    case 'simulated':
      return new SimulatedScanner(cfg, ctx)
    default:
      return unknown('scanner', cfg, ['line', 'gm65', 'simulated'])
  }
}

export function createThermometer(cfg: Simulated<ThermometerConfig>, ctx: DeviceContext, opts?: RegistryOptions): SimulatedThermometer
export function createThermometer(cfg: ThermometerConfig, ctx: DeviceContext, opts?: RegistryOptions): Thermometer
export function createThermometer(cfg: ThermometerConfig, ctx: DeviceContext, opts: RegistryOptions = {}): Thermometer {
  switch (cfg.driver) {
    case 'modbus-rtu':
      return new ModbusThermometer(cfg, ctx, opts)
    case 'gy-mcu':
      return new GyMcuThermometer(cfg, ctx, opts)
    case 'simulated':
      return new SimulatedThermometer(cfg, ctx)
    default:
      return unknown('thermometer', cfg, ['modbus-rtu', 'gy-mcu', 'simulated'])
  }
}

export function createRelay(cfg: Simulated<RelayConfig>, ctx: DeviceContext): SimulatedRelay
export function createRelay(cfg: RelayConfig, ctx: DeviceContext): Relay
export function createRelay(cfg: RelayConfig, ctx: DeviceContext): Relay {
  return new PinRelay(cfg, ctx, pinFor(cfg, ctx))
}

export function createBuzzer(cfg: Simulated<BuzzerConfig>, ctx: DeviceContext): SimulatedBuzzer
export function createBuzzer(cfg: BuzzerConfig, ctx: DeviceContext): Buzzer
export function createBuzzer(cfg: BuzzerConfig, ctx: DeviceContext): Buzzer {
  return new PinBuzzer(cfg, ctx, pinFor(cfg, ctx))
}

export interface InputOptions {
  /** onoff's Gpio class, when a test stands in for it (a fake sysfs tree). */
  gpioClass?: GpioInputClassLike
}

/**
 * A simulated input needs its `levelFile` here: the gateway fills in the default, `defaultLevelFile(dataDir, name)`
 * from devices/inputs/simulated.ts ({dataDir}/inputs/{name}.level), since devices/ does not know the dataDir.
 */
export function createInput(cfg: Simulated<InputConfig>, ctx: DeviceContext, opts?: InputOptions): SimulatedInput
export function createInput(cfg: InputConfig, ctx: DeviceContext, opts?: InputOptions): Input
export function createInput(cfg: InputConfig, ctx: DeviceContext, opts: InputOptions = {}): Input {
  switch (cfg.driver) {
    case 'simulated': {
      const levelFile = cfg.levelFile
      if (levelFile === undefined) {
        throw new Error(`simulated input "${cfg.name}" has no levelFile: the gateway resolves the default ({dataDir}/inputs/${cfg.name}.level) before createInput`)
      }
      return new SimulatedInput({ ...cfg, levelFile }, ctx)
    }
    case 'gpio': {
      const pin = cfg.pin
      return new GpioInput(cfg, ctx, () => {
        if (pin === undefined) throw new Error(`input "${cfg.name}": driver "gpio" needs a pin (the BCM number)`)
        return new OnoffInputPin(pin, {
          activeLow: cfg.activeLow,
          ...(ctx.sysfsRoot ? { sysfsRoot: ctx.sysfsRoot } : {}),
          ...(opts.gpioClass ? { gpioClass: opts.gpioClass } : {}),
        })
      })
    }
    default:
      return unknown('input', cfg, ['gpio', 'simulated'])
  }
}

/** `simulated`: a recording pin now. `gpio`: an onoff pin opened at start (a missing GPIO leaves it offline). */
function pinFor(cfg: RelayConfig | BuzzerConfig, ctx: DeviceContext): SimulatedPin | (() => GpioPin) {
  switch (cfg.driver) {
    case 'simulated':
      return new SimulatedPin(ctx.clock, cfg.activeLow)
    case 'gpio':
      return () => new OnoffPin(cfg.pin, { activeLow: cfg.activeLow, ...(ctx.sysfsRoot ? { sysfsRoot: ctx.sysfsRoot } : {}) })
    default:
      return unknown('output', cfg, ['gpio', 'simulated'])
  }
}

function unknown(role: string, cfg: { name: string; driver: string }, known: string[]): never {
  throw new Error(`unknown ${role} driver "${cfg.driver}" for device "${cfg.name}"; known: ${known.join(', ')}`)
}
