// The gateway as the process (`npm start [-- --config FILE]`, the systemd unit, `estate-gate start`): with a config,
// the configured devices; without one, the demo. Exit codes: 0 stopped cleanly, 1 failed at run time, 2 bad
// configuration or arguments. gateway/main.ts runs it.
import { Gateway } from './app.ts'
import { configPath, parseStartArgs, START_USAGE, type StartArgs } from './cli/start.ts'
import { loadConfigFile, validateConfig } from './config/load.ts'
import { checkForStart, ConfigError } from './config/preflight.ts'
import { DEMO_STAFF_PIN, DEMO_TECH_PIN, demoInfo, withDemoIssuer } from './demo.ts'
import { createLogger, LogRing } from './logger.ts'
import { DataDirBusyError, lockDataDir, type DataDirLock } from './store/lock.ts'

/** The demo (no config): simulated devices, a crowd, and PINs that are printed, so that every screen can be tried. */
const DEMO = {
  simulation: { crowd: true },
  // A door contact and a fire alarm to try (npm run sim -- input door on): level files under ./data/inputs.
  devices: {
    inputs: [
      { name: 'door', kind: 'door-contact', driver: 'simulated' },
      { name: 'fire-alarm', kind: 'fire-alarm', driver: 'simulated' },
    ],
  },
  kiosk: { staffPins: [{ id: 'demo-staff', name: '演示值班员', pin: DEMO_STAFF_PIN }], techPins: [{ id: 'demo-tech', name: 'Demo technician', pin: DEMO_TECH_PIN }] },
}

export async function main(argv: string[]): Promise<number> {
  let args: StartArgs
  try {
    args = parseStartArgs(argv)
  } catch (err) {
    // Nothing is started, the demo least of all: a typo in the unit's command line must not open a demo gate.
    process.stderr.write(`estate-gate: ${(err as Error).message}; nothing was started.\n\n${START_USAGE}`)
    return 2
  }
  if (args.help) {
    process.stdout.write(START_USAGE)
    return 0
  }
  const path = configPath(args, process.env)
  // No config: the schema's defaults (simulated devices) plus the simulated crowd. Changes made remotely
  // (config/set) are kept in dataDir and applied over the file at every start. checkForStart is all of
  // check-config: nothing is opened before it has passed.
  const loaded = checkForStart(path === null ? validateConfig(DEMO) : loadConfigFile(path))
  if (!loaded.ok) return invalid(loaded.source, loaded.errors)
  let config = loaded.config
  // One gateway per dataDir, taken before any device or the store opens and held until the process ends (the OS
  // drops it on any death): a second start on the same dataDir stops here, its relays and the outbox untouched.
  let lock: DataDirLock
  try {
    lock = lockDataDir(config.dataDir)
  } catch (err) {
    if (!(err instanceof DataDirBusyError)) throw err
    process.stderr.write(`estate-gate: ${err.message}.\n`)
    return 2
  }
  const logRing = new LogRing()
  const log = createLogger(config.log.level, undefined, logRing)
  let gw: Gateway
  let demo: ReturnType<typeof withDemoIssuer> | null = null
  try {
    if (config.simulation.crowd) {
      demo = withDemoIssuer(config)
      config = demo.config
    }
    gw = await Gateway.start(config, { log, logRing, demo: path === null })
  } catch (err) {
    lock.release()
    log.fatal({ err }, 'gateway could not start')
    // What only start can find (a port below 1024 without the capability): the configuration's too, exit 2.
    if (err instanceof ConfigError) return invalid(loaded.source, [err.message])
    process.stderr.write(`estate-gate: could not start: ${(err as Error).message}\n`)
    return 1
  }
  if (demo) {
    const { startCrowd } = await import('../simulators/crowd.ts')
    gw.onStop(startCrowd(gw, { issuer: demo.issuer, intervalMs: config.simulation.intervalMs, log }))
  }
  // What a person at the terminal needs first, each on its own line: where to look, and in the demo how to log in.
  log.info({ url: gw.url }, `staff screen: ${gw.url}/   tech pages: ${gw.url}/tech`)
  if (demo && path === null) {
    // Only the real demo (no config) prints PINs, and only those in effect: a site with the crowd switched on has
    // PINs of its own, which are never printed, and the demo's are refused there.
    const pins = demoInfo(config)
    const said = [pins?.staffPin && `staff ${pins.staffPin}`, pins?.techPin && `tech ${pins.techPin}`].filter(Boolean)
    log.info('demo: simulated devices and a simulated crowd')
    if (said.length > 0) log.info({ staffPin: pins?.staffPin, techPin: pins?.techPin }, `demo PINs: ${said.join(', ')}`)
  } else if (demo) {
    log.info('simulated crowd on (simulation.crowd): passes from the demo issuer')
  }

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      log.info({ signal }, 'stopping')
      gw.stop()
        .then(
          // A fault is a failure even when the stop goes well: exit 1, so that systemd (Restart=on-failure) restarts us.
          () => (signal === 'uncaughtException' ? 1 : 0),
          (err: unknown) => {
            log.error({ err }, 'stop failed')
            return 1
          },
        )
        .then((code) => {
          // After the store is closed: the next gateway may take the dataDir.
          lock.release()
          resolve(code)
        })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.on('uncaughtException', (err) => {
      // Unknown state: put the relays in their safe state and let the supervisor (systemd) restart us.
      log.fatal({ err }, 'uncaught exception; stopping')
      stop('uncaughtException')
    })
  })
}

/** Exit 2 (systemd does not restart it: a restart cannot fix the file), every error by key. */
function invalid(source: string | null, errors: readonly string[]): number {
  process.stderr.write(
    `estate-gate: the configuration${source ? ` in ${source}` : ''} is not valid; nothing was started.\n` + errors.map((e) => `  - ${e}\n`).join(''),
  )
  return 2
}

/** Runs as the process (npm start, `estate-gate start`) and exits with main's code. */
export function runAsProcess(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`estate-gate: ${(err as Error).stack ?? String(err)}\n`)
      process.exit(1)
    },
  )
}
