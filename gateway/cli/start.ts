// The gateway's command line, for every way it is started: `estate-gate start`, `npm start -- …` and the systemd
// unit (gateway/main.ts, dist/main.js). Strict on purpose: a mistyped `--confg FILE` must stop with the usage, not
// start the demo (simulated devices, staff PIN 1234) at a real gate while its relay never moves. The demo runs only
// with no argument at all and no GATEWAY_CONFIG.
import type { CliContext } from '../cli.ts'
import { parse, runCommand, UsageError } from './args.ts'

export const START_USAGE = `Usage: estate-gate start [--config FILE]
       npm start [-- --config FILE]          (from the install directory; systemd runs node dist/main.js)

Starts the gateway in the foreground (systemd runs it this way): devices, entry pipeline, SQLite log, kiosk,
embedded broker, uplink, schedules. It is ready when GET /healthz on the kiosk port answers.

Options:
  --config FILE  the gateway config (YAML); default: the GATEWAY_CONFIG environment variable; with neither and
                 no other argument, the demo (simulated devices and a simulated crowd, data in ./data)
  -h, --help     this text

Check a file first with "estate-gate check-config FILE". Stop with Ctrl-C or SIGTERM: the relay is left in
its safe state and the database closed.
Exit codes: 0 stopped cleanly, 1 failed at run time (e.g. the database locked by another gateway),
2 bad argument or config (every bad key is listed with its path).
`

export type StartArgs = { help: true } | { help: false; config: string | null }

/** The start arguments; throws UsageError (or node's ERR_PARSE_ARGS_*) for anything else. */
export function parseStartArgs(args: readonly string[]): StartArgs {
  const values = parse([...args], { config: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } })
  if (values.help) return { help: true }
  const config = values.config ?? []
  if (config.length > 1) throw new UsageError('--config: given more than once')
  if (config[0] === '') throw new UsageError('--config: expected a file name')
  return { help: false, config: config[0] ?? null }
}

/** The file to start with: --config, else GATEWAY_CONFIG, else null (the demo). */
export function configPath(args: Extract<StartArgs, { help: false }>, env: NodeJS.ProcessEnv): string | null {
  return args.config ?? (env.GATEWAY_CONFIG || null)
}

/** 0 or 2 when the command is done here (help, bad arguments); null when the gateway should start. */
export async function checkStartArgs(args: string[], ctx: CliContext): Promise<number | null> {
  let proceed = false
  const code = await runCommand('start', ctx, () => {
    if (parseStartArgs(args).help) {
      ctx.stdout(START_USAGE)
      return 0
    }
    proceed = true
    return 0
  })
  return proceed ? null : code
}
