// `estate-gate sim`: the device simulators of simulators/cli.ts (`npm run sim`), under the one command a
// technician knows. The arguments are checked here with the simulators' own rules, then the simulators' CLI runs
// as a child process: it owns its pty pair (socat), its console on stdin and its signals.
import { spawn } from 'node:child_process'
import type { CliContext } from '../cli.ts'
import { makeDevice, parseCli, UsageError as SimUsageError, USAGE as SIM_USAGE } from '../../simulators/cliArgs.ts'
import { simulatorCommand } from '../paths.ts'
import { runCommand, UsageError } from './args.ts'

export const SIM_USAGE_TEXT = `${SIM_USAGE.replaceAll('npx tsx simulators/cli.ts', 'estate-gate sim')}

Exit codes: 0 stopped (quit, end of input, Ctrl-C or SIGTERM) or the input set, 1 could not start (socat missing?) or write the level file, 2 bad argument.
`

export function sim(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('sim', ctx, async () => {
    let parsed: ReturnType<typeof parseCli>
    try {
      parsed = parseCli(args)
      // The values too (--temp, --state ...): the simulator is built, not opened.
      if (parsed && parsed.kind !== 'input') makeDevice(parsed.kind, parsed.values, '/dev/null', {})
    } catch (err) {
      if (err instanceof SimUsageError) throw new UsageError(err.message)
      throw err
    }
    if (!parsed) {
      ctx.stdout(SIM_USAGE_TEXT)
      return 0
    }
    return runSimulator(args, ctx)
  })
}

function runSimulator(args: string[], ctx: CliContext): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const sim = simulatorCommand()
    const child = spawn(sim.execPath, [...sim.args, ...args], {
      cwd: ctx.cwd,
      stdio: [ctx.stdin ? 'pipe' : 'inherit', 'pipe', 'pipe'],
    })
    if (ctx.stdin && child.stdin) ctx.stdin.pipe(child.stdin)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => ctx.stdout(d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => ctx.stderr(d))
    // Ctrl-C and a closed terminal reach the child directly (same process group); forwarding them would make it
    // a second signal, which ends the simulator before it removes its links. SIGTERM is sent to us alone.
    const ignore = (): void => {}
    const forward = (): void => void child.kill('SIGTERM')
    process.on('SIGINT', ignore)
    process.on('SIGHUP', ignore)
    process.on('SIGTERM', forward)
    const cleanup = (): void => {
      process.off('SIGINT', ignore)
      process.off('SIGHUP', ignore)
      process.off('SIGTERM', forward)
    }
    child.on('error', (err) => {
      cleanup()
      reject(err)
    })
    child.on('close', (code) => {
      cleanup()
      resolvePromise(code ?? 1)
    })
  })
}
