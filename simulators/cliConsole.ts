// The technician's console of simulators/cli.ts: what each typed line does to the running simulator.
// On scanner consoles every plain line is a code, so commands there start with "!" ("help" and "quit" too work bare).
import { fromHex, toHex } from '../devices/protocols/crc.ts'
import type { Gm65Sim } from './devices/gm65.ts'
import type { GyMcuSim } from './devices/gyMcu.ts'
import { TAIL_CHOICES, type LineScannerSim, type Tail } from './devices/lineScanner.ts'
import type { ModbusThermometerSim } from './devices/modbusThermometer.ts'

export type Device =
  | { kind: 'line'; sim: LineScannerSim; tail: Tail }
  | { kind: 'gm65'; sim: Gm65Sim }
  | { kind: 'modbus'; sim: ModbusThermometerSim }
  | { kind: 'gy-mcu'; sim: GyMcuSim }

interface Command {
  usage: string
  run(args: string[]): Promise<string> | string
}

/** Thrown for a mistyped command: the console prints it and carries on. */
export class ConsoleError extends Error {}

export interface SimConsole {
  readonly scanner: boolean
  help(): string
  /** Runs one typed line; returns what to print. 'quit' is handled by the caller. */
  run(line: string): Promise<string>
}

export function makeConsole(dev: Device): SimConsole {
  const commands = commandsFor(dev)
  const scanner = dev.kind === 'line' || dev.kind === 'gm65'
  const prefix = scanner ? '!' : ''
  const help = (): string =>
    [
      scanner
        ? `Type a code and Enter to ${dev.kind === 'gm65' ? 'present it to the module' : 'scan it'}` +
          ' (a line starting with \\ is sent verbatim). Commands:'
        : 'Commands:',
      ...Object.values(commands).map((c) => `  ${prefix}${c.usage}`),
      `  ${prefix}stats                 counters of what crossed the wire`,
      `  ${prefix}help | ${prefix}quit`,
    ].join('\n')
  return {
    scanner,
    help,
    async run(line: string): Promise<string> {
      const text = line.replace(/\r$/, '')
      if (scanner && text.startsWith('\\')) return scan(dev, text.slice(1))
      const bare = text.trim()
      const isCommand = !scanner || bare.startsWith('!') || bare === 'help' || bare === 'stats'
      if (!isCommand) return text.length === 0 ? '' : scan(dev, text)
      const [name = '', ...args] = bare.replace(/^!/, '').split(/\s+/)
      if (name === '') return ''
      if (name === 'help') return help()
      if (name === 'stats') {
        const { counters, bytesIn, bytesOut, dropped } = dev.sim.stats
        return JSON.stringify({ ...counters, bytesIn, bytesOut, dropped })
      }
      const cmd = commands[name]
      if (!cmd) throw new ConsoleError(`unknown command "${name}"; type ${prefix}help`)
      return cmd.run(args)
    },
  }
}

async function scan(dev: Device, text: string): Promise<string> {
  if (dev.kind === 'line') {
    await dev.sim.scan(text, { tail: dev.tail })
    return `sent ${JSON.stringify(text)} + ${dev.tail}`
  }
  if (dev.kind !== 'gm65') throw new ConsoleError('not a scanner')
  const sim = dev.sim
  const waitsForTrigger = sim.commandMode
  sim.present(text)
  if (waitsForTrigger) return `presented; sent when the gateway triggers a read (${sim.pending.length} waiting)`
  return sim.uartOutput
    ? 'presented; decoded and sent'
    : 'presented and decoded, but NOT sent: output is on USB (zone 0x000D), the gateway has not configured the module'
}

const cmd = (usage: string, run: Command['run']): Command => ({ usage, run })

function commandsFor(dev: Device): Record<string, Command> {
  switch (dev.kind) {
    case 'line':
      return {
        raw: cmd('raw HEX               write bytes as given (garbage, invalid UTF-8)', async (a) => {
          await dev.sim.writeRaw(hexArg(a))
          return 'written'
        }),
        tail: cmd('tail cr|crlf|lf|tab|none  tail after each code', (a) => {
          dev.tail = oneOf(a[0], TAIL_CHOICES)
          return `tail ${dev.tail}`
        }),
      }
    case 'gm65':
      return {
        scan: cmd('scan TEXT             decode TEXT now, whatever the read mode', async (a) =>
          (await dev.sim.scan(a.join(' '))) ? 'sent' : 'not sent: output is on USB (zone 0x000D)',
        ),
        zone: cmd('zone ADDR             show a zone (RAM and flash), e.g. zone 0x60', (a) => {
          const z = int(a[0], 0, 255)
          const name = `0x${z.toString(16).padStart(4, '0')}`
          return `zone ${name}: RAM 0x${hex2(dev.sim.zone(z))}, flash 0x${hex2(dev.sim.flashZone(z))}`
        }),
        cycle: cmd('cycle                 power cycle: RAM reloads from flash', () => {
          dev.sim.powerCycle()
          return 'power cycled'
        }),
      }
    case 'modbus':
      return {
        ...temperatureCommands(dev.sim, 'request'),
        noise: cmd('noise [HEX]           stray bytes before the next reply (default FF 00 55)', (a) => {
          dev.sim.noiseBefore(noiseArg(a))
          return 'next reply: noise first'
        }),
        badcrc: cmd('badcrc                next reply has a bad CRC', () => {
          dev.sim.corruptNextCrc()
          return 'next reply: bad CRC'
        }),
        exc: cmd('exc CODE              answer the next request with exception CODE (e.g. 4, 6)', (a) => {
          const code = int(a[0], 1, 255)
          dev.sim.exceptionNext(code)
          return `next reply: exception ${code}`
        }),
        delay: cmd('delay MS              response delay', (a) => {
          dev.sim.respondDelayMs = int(a[0], 0, 10_000)
          return `delay ${dev.sim.respondDelayMs} ms`
        }),
      }
    case 'gy-mcu':
      return {
        ...temperatureCommands(dev.sim, 'frame'),
        noise: cmd('noise [HEX]           write stray bytes now (default FF 00 55)', async (a) => {
          const bytes = noiseArg(a)
          await dev.sim.noise(bytes)
          return `sent ${toHex(bytes)}`
        }),
        badcrc: cmd('badcrc                next frame has a bad sum', () => {
          dev.sim.corruptNextSum()
          return 'next frame: bad sum'
        }),
        mode: cmd('mode continuous|query stream at ~14 Hz, or answer A5 15 BA only', (a) => {
          dev.sim.setContinuous(oneOf(a[0], ['continuous', 'query']) === 'continuous')
          return dev.sim.continuous ? 'streaming' : 'query mode'
        }),
      }
  }
}

function temperatureCommands(sim: ModbusThermometerSim | GyMcuSim, per: string): Record<string, Command> {
  return {
    t: cmd('t C [AMBIENT]         set the object (and ambient) temperature', (a) => {
      sim.setTemperature(celsius(a[0]), a[1] === undefined ? undefined : celsius(a[1]))
      return `object ${sim.temperatureC} °C, ambient ${sim.ambientC} °C`
    }),
    q: cmd(`q C [C ...]           queue readings, one per ${per}, then the last stays`, (a) => {
      if (a.length === 0) throw new ConsoleError('q needs at least one temperature')
      sim.queue(...a.map(celsius))
      return `queued ${a.join(', ')}`
    }),
    silent: cmd(`silent N              leave out the next N ${per}s (gateway timeouts)`, (a) => {
      const n = int(a[0], 1, 1000)
      sim.silentFor(n)
      return `silent for ${n} ${per}s`
    }),
  }
}

const noiseArg = (args: string[]): Buffer => (args.length ? hexArg(args) : fromHex('FF 00 55'))

function hexArg(args: string[]): Buffer {
  const text = args.join('')
  if (!/^([0-9a-f]{2})+$/i.test(text))
    throw new ConsoleError(`expected hex bytes such as "7E 00 0D", got "${args.join(' ')}"`)
  return fromHex(text)
}

function celsius(s: string | undefined): number {
  const n = Number(s)
  if (s === undefined || s.trim() === '' || !Number.isFinite(n) || n < -70 || n > 380)
    throw new ConsoleError(`expected a temperature in °C (-70 to 380), got "${s ?? ''}"`)
  return n
}

function int(s: string | undefined, min: number, max: number): number {
  const n = Number(s)
  if (s === undefined || !Number.isInteger(n) || n < min || n > max)
    throw new ConsoleError(`expected an integer from ${min} to ${max}, got "${s ?? ''}"`)
  return n
}

function oneOf<T extends string>(s: string | undefined, allowed: readonly T[]): T {
  if (!allowed.includes(s as T)) throw new ConsoleError(`expected one of ${allowed.join(', ')}, got "${s ?? ''}"`)
  return s as T
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0')
