// What every estate-gate command shares: its exit codes and how errors are printed. A command throws
// UsageError (bad command line or config: exit 2, with a pointer to --help) or Failure (the command was right
// but the world was not: a silent device, a missing port; exit 1). Messages say what was wrong and what to do.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { CliContext } from '../cli.ts'

/** A bad argument or a bad config: message on stderr with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/** A failure at run time (device silent, port missing, database unreadable): message on stderr, exit code 1. */
export class Failure extends Error {}

export async function runCommand(name: string, ctx: CliContext, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body()
  } catch (err) {
    if (err instanceof Failure) {
      ctx.stderr(`estate-gate ${name}: ${err.message}\n`)
      return 1
    }
    if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err
    ctx.stderr(`estate-gate ${name}: ${(err as Error).message}\nRun "estate-gate ${name} --help" for usage.\n`)
    return 2
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

type Options = NonNullable<ParseArgsConfig['options']>

/** Options only; an unknown option or a stray word is a usage error. */
export function parse<O extends Options>(args: string[], options: O) {
  return parseArgs({ args, options, strict: true, allowPositionals: false }).values
}

/** Options and positional words (PIN, FILE); the caller checks how many words it got. */
export function parseWithPositionals<O extends Options>(args: string[], options: O) {
  return parseArgs({ args, options, strict: true, allowPositionals: true })
}

/** Turns library errors about a value into usage errors naming the option. */
export function option<T>(flag: string, get: () => T): T {
  try {
    return get()
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`)
  }
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`)
}

/** A decimal number from the command line (`--scale 0.1`), within [min, max]; integers only when asked. */
export function numberOption(flag: string, text: string, min: number, max: number, integer = false): number {
  const n = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN
  if (!(n >= min && n <= max) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`)
  }
  return n
}
