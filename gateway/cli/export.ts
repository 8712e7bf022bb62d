// `estate-gate export`: the entries sheet of the kiosk's /tech page (gateway/sheets/entries.ts), read from
// the SQLite file with a read-only connection, so it works on a box whose gateway is running, or is not.
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CliContext } from '../cli.ts'
import { loadConfigFile } from '../config/load.ts'
import { configSchema, type GatewayConfig } from '../config/schema.ts'
import { entryPages, type EntryRow } from '../kiosk/records.ts'
import { entriesCsv } from '../sheets/entries.ts'
import { LANGS, staffNamer, type Lang } from '../sheets/words.ts'
import { openDbReadOnly, type Db } from '../store/db.ts'
import { Failure, parse, runCommand, UsageError } from './args.ts'

const DEFAULTS = configSchema.parse({})

export const EXPORT_USAGE = `Usage: estate-gate export --from YYYY-MM-DD --to YYYY-MM-DD [--config FILE | --data-dir DIR] [--lang zh|en] [--out FILE]

Writes the entries of the local days FROM to TO (both included): every decision and every override, with
the same columns as the export on the kiosk's /tech page, as CSV in UTF-8 with a byte-order mark and CRLF
line ends (Excel on a Chinese Windows opens it right): Chinese headers and words, local times with their
offset (2026-03-01 09:00:00+08:00), staff by name (from the config's kiosk.staffPins; with --data-dir
their ids). The database is opened read-only: safe while the gateway runs.

Options:
  --from DAY       first local day, e.g. 2026-03-01
  --to DAY         last local day, e.g. 2026-03-31
  --config FILE    the gateway's config: its dataDir and site.timezone
  --data-dir DIR   the gateway's data directory (holding estate-gate.db) when there is no config file
                   (default: ${DEFAULTS.dataDir}, the default dataDir)
  --timezone TZ    with --data-dir: the site's time zone (default ${DEFAULTS.site.timezone})
  --lang LANG      zh (default): Chinese headers and words; en: English
  --out FILE       write the CSV to FILE (mode 0600; an existing file is never overwritten); default: stdout
  -h, --help       this text

Relative paths, also a relative dataDir in the config, are taken from the current directory.
The file holds personal data (holder ids, masked visitor names): hand it only to the community office.
Exit codes: 0 written, 1 no database or unreadable, 2 bad argument or config.
`

export function exportEntries(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('export', ctx, async () => {
    const values = parse(args, {
      from: { type: 'string' },
      to: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      timezone: { type: 'string' },
      lang: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values.help) {
      ctx.stdout(EXPORT_USAGE)
      return 0
    }
    const missing = (['from', 'to'] as const).filter((k) => values[k] === undefined).map((k) => `--${k}`)
    if (missing.length) throw new UsageError(`missing ${missing.join(' and ')} (local days YYYY-MM-DD)`)
    const from = day('--from', values.from!)
    const to = day('--to', values.to!)
    if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`)
    if (values.config !== undefined && values['data-dir'] !== undefined) throw new UsageError('give --config FILE or --data-dir DIR, not both')
    if (values.config !== undefined && values.timezone !== undefined) throw new UsageError('--timezone: only with --data-dir (with --config, site.timezone is used)')

    const lang = (values.lang ?? 'zh') as Lang
    if (!LANGS.includes(lang)) throw new UsageError(`--lang: expected zh or en, got ${JSON.stringify(values.lang)}`)
    const { dataDir, timeZone, kiosk } = where(values, ctx)
    const dbFile = join(dataDir, 'estate-gate.db') // as gateway/app.ts names it
    const outFile = values.out === undefined ? null : resolve(ctx.cwd, values.out)
    if (outFile && existsSync(outFile)) throw new UsageError(`--out: ${outFile} already exists; give another file (nothing is overwritten)`)

    let db: Db
    try {
      db = openDbReadOnly(dbFile)
    } catch (err) {
      const hint = existsSync(dbFile) ? '' : '; has the gateway run with this dataDir? Give --config FILE or --data-dir DIR'
      throw new Failure(`${(err as Error).message}${hint}`)
    }
    let fd: number | null = null
    let count = 0
    try {
      const pages = async function* (): AsyncGenerator<EntryRow[]> {
        for await (const rows of entryPages(db, timeZone, from, to)) {
          count += rows.length
          yield rows
        }
      }
      if (outFile) fd = openSync(outFile, 'wx', 0o600)
      for await (const chunk of entriesCsv(pages(), { lang, timeZone, staffName: staffNamer(kiosk, lang) })) {
        if (fd === null) ctx.stdout(String(chunk))
        else writeSync(fd, String(chunk))
      }
    } catch (err) {
      if (fd !== null) {
        closeSync(fd)
        fd = null
        // Half a CSV looks like a quiet day: better none.
        rmSync(outFile!, { force: true })
      }
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--out: ${outFile} already exists; give another file`)
      if (typeof (err as { code?: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('SQLITE_')) {
        throw new Failure(`cannot read the entries in ${dbFile}: ${(err as Error).message}`)
      }
      throw err
    } finally {
      if (fd !== null) closeSync(fd)
      db.close()
    }
    if (outFile) ctx.stdout(`Exported ${count} entr${count === 1 ? 'y' : 'ies'} of ${from} to ${to} (${timeZone}) from ${dbFile} to ${outFile}.\n`)
    return 0
  })
}

/** The data directory, time zone and staff names, from --config, --data-dir or the defaults. */
function where(
  values: { config?: string | undefined; 'data-dir'?: string | undefined; timezone?: string | undefined },
  ctx: CliContext,
): { dataDir: string; timeZone: string; kiosk: GatewayConfig['kiosk'] | null } {
  if (values.config !== undefined) {
    const loaded = loadConfigFile(resolve(ctx.cwd, values.config))
    if (!loaded.ok) throw new UsageError(`--config: ${loaded.source ?? values.config} is not valid:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}`)
    return { dataDir: resolve(ctx.cwd, loaded.config.dataDir), timeZone: loaded.config.site.timezone, kiosk: loaded.config.kiosk }
  }
  const timeZone = values.timezone ?? DEFAULTS.site.timezone
  const checked = configSchema.shape.site.safeParse({ timezone: timeZone })
  if (!checked.success) throw new UsageError(`--timezone: expected an IANA time zone such as Asia/Shanghai, got ${JSON.stringify(timeZone)}`)
  return { dataDir: resolve(ctx.cwd, values['data-dir'] ?? DEFAULTS.dataDir), timeZone, kiosk: null }
}

/** A real calendar day, YYYY-MM-DD. */
function day(flag: string, text: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) throw new UsageError(`${flag}: expected a day YYYY-MM-DD, got ${JSON.stringify(text)}`)
  return text
}
