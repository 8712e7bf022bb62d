// `estate-gate start`: its help and its arguments, checked before the gateway takes over the process (main.ts
// would start the demo for a mistyped `--confg`, which on a gate box is worse than stopping).
import type { CliContext } from '../cli.ts'
import { parse, runCommand, UsageError } from './args.ts'

export const START_USAGE = `Usage: estate-gate start [--config FILE]

Starts the gateway in the foreground (systemd runs it this way): devices, entry pipeline, SQLite log, kiosk,
embedded broker, uplink, schedules. It is ready when GET /healthz on the kiosk port answers.

Options:
  --config FILE  the gateway config (YAML); default: the GATEWAY_CONFIG environment variable; with neither,
                 the demo (simulated devices and a simulated crowd, data in ./data)
  -h, --help     this text

Check a file first with "estate-gate check-config FILE". Stop with Ctrl-C or SIGTERM: the relay is left in
its safe state and the database closed.
Exit codes: 0 stopped cleanly, 1 failed at run time (e.g. the database locked by another gateway),
2 bad argument or config (every bad key is listed with its path).
`

/** 0 or 2 when the command is done here (help, bad arguments); null when the gateway should start. */
export async function checkStartArgs(args: string[], ctx: CliContext): Promise<number | null> {
  let proceed = false
  const code = await runCommand('start', ctx, () => {
    const values = parse(args, { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } })
    if (values.help) {
      ctx.stdout(START_USAGE)
      return 0
    }
    if (values.config === '') throw new UsageError('--config: expected a file name')
    proceed = true
    return 0
  })
  return proceed ? null : code
}
