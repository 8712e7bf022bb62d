// `npm run sim -- input NAME|FILE on|off|pulse MS`: drives a simulated input (a door contact, a fire alarm, an exit
// button, a tamper switch) by writing its level file, which the gateway polls every 50 ms. No pty: the file is the
// whole interface. A NAME is the input's name in devices.inputs[] and means {dataDir}/inputs/NAME.level, the
// gateway's default for a simulated input without levelFile; anything with a "/" or ending in .level is a file.
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { defaultLevelFile, writeLevelFile } from '../devices/inputs/simulated.ts'

export class InputUsageError extends Error {}

export interface InputCommand {
  /** As typed: the name or the file. */
  target: string
  /** The level file, absolute. */
  file: string
  action: 'on' | 'off' | 'pulse'
  /** pulse: how long it is on. */
  ms: number
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/i
export const PULSE_MAX_MS = 3_600_000

/** `positionals` after "input": TARGET ACTION [MS]; `dataDir` from --data-dir (default ./data, the demo's). */
export function parseInputCommand(positionals: string[], dataDir = './data'): InputCommand {
  const [target, action, msText, ...extra] = positionals
  if (target === undefined) throw new InputUsageError('input: which input? its name in devices.inputs[] (e.g. door) or its level file')
  const isFile = target.includes('/') || target.endsWith('.level')
  if (!isFile && !NAME.test(target)) throw new InputUsageError(`input: "${target}" is neither an input name (letters, digits, "-", "_") nor a level file`)
  const file = resolve(isFile ? target : defaultLevelFile(dataDir, target))
  if (action !== 'on' && action !== 'off' && action !== 'pulse') {
    throw new InputUsageError(`input ${target}: expected on, off or pulse MS${action === undefined ? '' : `, got "${action}"`}`)
  }
  let ms = 0
  if (action === 'pulse') {
    ms = msText !== undefined && /^\d+$/.test(msText) ? Number(msText) : Number.NaN
    if (!(ms >= 1 && ms <= PULSE_MAX_MS)) throw new InputUsageError(`input ${target} pulse: expected MS, an integer from 1 to ${PULSE_MAX_MS}${msText === undefined ? '' : `, got "${msText}"`}`)
  } else if (msText !== undefined) {
    throw new InputUsageError(`input ${target} ${action}: unexpected argument "${msText}"`)
  }
  if (extra.length) throw new InputUsageError(`input: unexpected argument "${extra[0]}"`)
  return { target, file, action, ms }
}

/**
 * Writes the level (pulse: on, MS later off; an abort, Ctrl-C or SIGTERM, ends the pulse early with off, so the
 * input is never left on by accident). Throws if the file cannot be written.
 */
export async function runInputCommand(cmd: InputCommand, out: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const where = `(${cmd.file})`
  if (cmd.action !== 'pulse') {
    writeLevelFile(cmd.file, cmd.action === 'on')
    out(`input ${cmd.target}: ${cmd.action} ${where}`)
    return
  }
  writeLevelFile(cmd.file, true)
  out(`input ${cmd.target}: on for ${cmd.ms} ms ${where}`)
  try {
    await sleep(cmd.ms, undefined, signal ? { signal } : {})
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err
    writeLevelFile(cmd.file, false)
    out(`input ${cmd.target}: off (stopped early)`)
    return
  }
  writeLevelFile(cmd.file, false)
  out(`input ${cmd.target}: off`)
}
