// @ts-check
// `npm run build`: the JavaScript that ships (dist/), so that a gate runs plain `node` and no TypeScript loader.
// Plain JavaScript on purpose: `npm start` runs it (--if-stale) before the gateway, also in an installed release,
// where there is neither tsx nor esbuild nor any source (it then has nothing to do and says nothing).
//
// dist/ is flat: the entries (main.js: the gateway; cli.js: the estate-gate command; sim.js: the device simulators)
// and their shared and lazy chunks side by side, so that every module's import.meta.url has the same directory and
// gateway/paths.ts finds the kiosk's files (dist/kiosk/public/, copied) as it does in the source tree. Packages stay
// external (node_modules, from `npm ci --omit=dev`); modules loaded with import() stay lazy chunks (the crowd, the
// CLI's commands). build.json records the hash of every input, so --if-stale rebuilds only when a source changed.
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Output name → source: what `node dist/NAME.js` runs. */
export const ENTRIES = { main: 'gateway/main.ts', cli: 'gateway/cli.ts', sim: 'simulators/cli.ts' }

/** Read from disk at run time (gateway/paths.ts), copied beside the bundle: source dir → dir under dist/. */
export const ASSETS = { 'gateway/kiosk/public': 'kiosk/public' }

const STAMP = 'build.json'

/**
 * Builds into `outdir` (emptied first, so no chunk of an older build is left to ship).
 * @param {{ root?: string, outdir?: string }} [o]
 * @returns {Promise<{ outdir: string, files: string[] }>}
 */
export async function build(o = {}) {
  const root = o.root ?? ROOT
  const outdir = resolve(root, o.outdir ?? 'dist')
  const esbuild = await import('esbuild').catch((/** @type {unknown} */ err) => {
    throw new Error(`esbuild is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): building needs the development packages (npm ci); a gate installs the built release instead (npm run release, docs/raspberry-pi.md)`)
  })
  rmSync(outdir, { recursive: true, force: true })
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([out, src]) => ({ in: src, out })),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${/\d+(\.\d+)*/.exec(pkg.engines?.node ?? '20')?.[0] ?? '20'}`,
    packages: 'external',
    chunkNames: '[name]-[hash]',
    // The maps are shipped but not loaded at start (--enable-source-maps costs about 4 MB and start time on every
    // boot): to read a stack trace as gateway/app.ts:123, run with NODE_OPTIONS=--enable-source-maps. The sources
    // themselves stay out of the maps, which keeps them small on the card.
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  })
  checkExternals(result.metafile, pkg)
  relocateMaps(outdir, join(root, 'dist'))
  for (const [from, to] of Object.entries(ASSETS)) cpSync(join(root, from), join(outdir, to), { recursive: true })
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'))
  writeFileSync(join(outdir, STAMP), `${JSON.stringify({ version: pkg.version, inputs: hashes(root, inputs), assets: assetHashes(root) }, null, 1)}\n`)
  return { outdir, files: Object.keys(result.metafile.outputs).map((f) => relative(outdir, resolve(root, f))) }
}

/**
 * Every package the bundle imports must be a runtime dependency: a devDependency (tsx, vitest, ...) is absent
 * after `npm ci --omit=dev` and the gate would fail on the Pi, at the first use of that module.
 * @param {import('esbuild').Metafile} metafile
 * @param {{ dependencies?: Record<string, string> }} pkg
 */
function checkExternals(metafile, pkg) {
  const deps = new Set(Object.keys(pkg.dependencies ?? {}))
  const missing = new Set()
  for (const out of Object.values(metafile.outputs)) {
    for (const imp of out.imports) {
      if (!imp.external || imp.path.startsWith('node:')) continue
      const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : (imp.path.split('/')[0] ?? imp.path)
      if (!deps.has(name)) missing.add(name)
    }
  }
  if (missing.size > 0) {
    throw new Error(`the bundle imports ${[...missing].join(', ')}, which package.json does not list in "dependencies" (npm ci --omit=dev would leave it out)`)
  }
}

/**
 * A map's sources are relative to where it was written; built elsewhere (a release's staging directory), they are
 * rewritten as from ROOT/dist, so a stack trace on a gate reads /opt/estate-gate/gateway/app.ts, not the path of
 * the machine that built it.
 * @param {string} outdir @param {string} canonical
 */
function relocateMaps(outdir, canonical) {
  if (outdir === canonical) return
  for (const f of readdirSync(outdir)) {
    if (!f.endsWith('.map')) continue
    const map = JSON.parse(readFileSync(join(outdir, f), 'utf8'))
    map.sources = map.sources.map((/** @type {string} */ s) => relative(canonical, resolve(outdir, s)))
    writeFileSync(join(outdir, f), JSON.stringify(map))
  }
}

/** @param {string} root @param {string[]} files */
function hashes(root, files) {
  /** @type {Record<string, string>} */
  const out = {}
  for (const f of files.sort()) out[f] = hashOf(join(root, f))
  out['scripts/build.mjs'] = hashOf(fileURLToPath(import.meta.url))
  return out
}

/** @param {string} root */
function assetHashes(root) {
  /** @type {Record<string, string>} */
  const out = {}
  for (const dir of Object.keys(ASSETS)) {
    for (const f of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (f.isFile()) out[relative(root, join(f.parentPath, f.name))] = hashOf(join(f.parentPath, f.name))
    }
  }
  return out
}

/** @param {string} file */
function hashOf(file) {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 16)
  } catch {
    return 'missing'
  }
}

/**
 * Why `outdir` must be rebuilt, or null when it is up to date, or when there are no sources to build from (an
 * installed release: its dist/ is what shipped).
 * @param {{ root?: string, outdir?: string }} [o]
 * @returns {string | null}
 */
export function staleReason(o = {}) {
  const root = o.root ?? ROOT
  const outdir = resolve(root, o.outdir ?? 'dist')
  const sources = Object.values(ENTRIES).every((f) => existsSync(join(root, f)))
  if (!sources) {
    if (!existsSync(join(outdir, 'main.js'))) throw new Error(`neither ${relative(root, outdir)}/main.js nor the sources to build it (${ENTRIES.main}) are here`)
    return null
  }
  let stamp
  try {
    stamp = JSON.parse(readFileSync(join(outdir, STAMP), 'utf8'))
  } catch {
    return 'not built yet'
  }
  for (const [f, h] of Object.entries(stamp.inputs ?? {})) if (hashOf(join(root, f)) !== h) return `${f} changed`
  const assets = assetHashes(root)
  const before = stamp.assets ?? {}
  for (const f of new Set([...Object.keys(assets), ...Object.keys(before)])) if (assets[f] !== before[f]) return `${f} changed`
  return null
}

/** Builds when staleReason says so; returns whether it did. @param {{ root?: string, outdir?: string, log?: (line: string) => void }} [o] */
export async function buildIfStale(o = {}) {
  const why = staleReason(o)
  if (why === null) return false
  o.log?.(`estate-gate: building ${relative(o.root ?? ROOT, resolve(o.root ?? ROOT, o.outdir ?? 'dist'))}/ (${why})`)
  await build(o)
  return true
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const args = process.argv.slice(2)
  const ifStale = args.includes('--if-stale')
  const outIndex = args.indexOf('--outdir')
  const outdir = outIndex >= 0 ? args[outIndex + 1] : undefined
  const unknown = args.filter((a, i) => a !== '--if-stale' && a !== '--outdir' && (outIndex < 0 || i !== outIndex + 1))
  if (unknown.length > 0 || (outIndex >= 0 && !outdir)) {
    process.stderr.write('usage: node scripts/build.mjs [--if-stale] [--outdir DIR]\n')
    process.exit(2)
  }
  const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`)
  try {
    if (ifStale) await buildIfStale({ ...(outdir ? { outdir } : {}), log })
    else {
      const t0 = performance.now()
      const r = await build(outdir ? { outdir } : {})
      log(`estate-gate: built ${relative(process.cwd(), r.outdir) || '.'}/ (${r.files.filter((f) => f.endsWith('.js')).length} files) in ${Math.round(performance.now() - t0)} ms`)
    }
  } catch (err) {
    process.stderr.write(`estate-gate build: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}
