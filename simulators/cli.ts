// Technicians' device simulator: makes a pty pair, runs one simulated device on its device end and prints the
// path to put in the gateway config, then takes commands on stdin. Run with --help for usage.
import { createInterface } from 'node:readline'
import { toHex } from '../devices/protocols/crc.ts'
import { USAGE, UsageError, linkPlace, makeDevice, parseCli } from './cliArgs.ts'
import { ConsoleError, makeConsole } from './cliConsole.ts'
import { runInputCommand, type InputCommand } from './inputCli.ts'
import { PtyPair } from './pty.ts'

async function main(): Promise<number> {
  const usage = (err: unknown): number => {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`simulators/cli: ${err.message} (see --help)\n`)
    return 2
  }
  let parsed
  try {
    parsed = parseCli(process.argv.slice(2))
  } catch (err) {
    return usage(err)
  }
  if (!parsed) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (parsed.kind === 'input') return input(parsed.input)
  const { kind, values } = parsed
  const trace = values.trace
    ? (dir: 'in' | 'out', b: Buffer) => console.log(`${dir === 'in' ? '→' : '←'} ${toHex(b)}`)
    : undefined
  let place: ReturnType<typeof linkPlace>
  try {
    place = linkPlace(values.link as string | undefined)
  } catch (err) {
    return usage(err)
  }
  const pair = new PtyPair(place)
  let made: ReturnType<typeof makeDevice>
  try {
    made = makeDevice(kind, values, pair.gatewayPath, { trace })
  } catch (err) {
    await pair.close() // removes the temporary directory it made
    return usage(err)
  }
  const { dev, config } = made
  await pair.start()
  try {
    await dev.sim.open(pair.devicePath)
  } catch (err) {
    await pair.close() // never leave socat behind
    throw err
  }
  const con = makeConsole(dev)

  let stopping: Promise<void> | null = null
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await dev.sim.close()
      await pair.close() // socat removes its links on SIGTERM
    })())

  console.log(`${kind} simulator ready${kind === 'gm65' ? ` (${values.state ?? 'factory'} state)` : ''}`)
  console.log(`gateway path: ${pair.gatewayPath}`)
  console.log(`device end:   ${pair.devicePath} (this simulator)`)
  console.log(`config:       { name: ${kind === 'line' || kind === 'gm65' ? 'scanner-in' : 'thermo-in'}, ${config} }`)
  console.log(con.help())

  return new Promise<number>((done) => {
    const quit = (): void => void stop().then(() => done(0))
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, quit)
    const rl = createInterface({ input: process.stdin, terminal: false })
    let queue = Promise.resolve()
    rl.on('line', (line) => {
      queue = queue.then(async () => {
        if (stopping) return
        if (/^!?(quit|exit)$/.test(line.trim())) return quit()
        try {
          const out = await con.run(line)
          if (out) console.log(out)
        } catch (err) {
          console.log(err instanceof ConsoleError ? `? ${err.message}` : `error: ${(err as Error).message}`)
        }
      })
    })
    rl.on('close', () => {
      if (values['keep-running']) console.log('stdin closed; still running (stop with SIGTERM)')
      else void queue.then(quit)
    })
  })
}

/** An input's level written (pulse: on, then off; Ctrl-C or SIGTERM during it: off at once). */
async function input(cmd: InputCommand): Promise<number> {
  const stop = new AbortController()
  const abort = (): void => stop.abort()
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, abort)
  try {
    await runInputCommand(cmd, (line) => console.log(line), stop.signal)
    return 0
  } catch (err) {
    process.stderr.write(`simulators/cli: input ${cmd.target}: ${(err as Error).message}\n`)
    return 1
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, abort)
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulators/cli: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
