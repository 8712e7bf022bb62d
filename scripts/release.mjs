// @ts-check
// `npm run release [-- --out DIR]`: one file for a technician to copy to a gate, release/estate-gate-VERSION.tgz.
// It is what `npm pack` makes of a fresh build (package.json "files": dist/, deploy/, docs/, the README), plus the
// lock file as npm-shrinkwrap.json (npm pack never ships package-lock.json), so that on the Pi
//   tar xzf estate-gate-VERSION.tgz -C /opt/estate-gate --strip-components=1 && cd /opt/estate-gate && npm ci --omit=dev
// installs exactly the tested versions of the runtime packages and nothing else (docs/raspberry-pi.md, step 7).
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build, ROOT } from './build.mjs'

/**
 * @param {{ out?: string }} [o]
 * @returns {Promise<string>} the tarball's path
 */
export async function release(o = {}) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const out = resolve(o.out ?? join(ROOT, 'release'))
  const stage = mkdtempSync(join(tmpdir(), 'estate-gate-release-'))
  try {
    await build({ outdir: join(stage, 'dist') })
    for (const f of /** @type {string[]} */ (pkg.files)) {
      if (!['dist', 'npm-shrinkwrap.json'].includes(f.replace(/\/$/, ''))) cpSync(join(ROOT, f), join(stage, f), { recursive: true })
    }
    cpSync(join(ROOT, 'package.json'), join(stage, 'package.json'))
    cpSync(join(ROOT, 'package-lock.json'), join(stage, 'npm-shrinkwrap.json'))
    mkdirSync(out, { recursive: true })
    // --ignore-scripts: the build is done; nothing of the project runs while packing.
    const res = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8' })
    if (res.status !== 0) throw new Error(`npm pack failed (${res.status}): ${res.stderr}`)
    const [packed] = JSON.parse(res.stdout)
    const names = new Set(packed.files.map((/** @type {{ path: string }} */ f) => f.path))
    for (const must of ['dist/main.js', 'dist/cli.js', 'dist/kiosk/public/index.html', 'npm-shrinkwrap.json', 'deploy/estate-gate.service']) {
      if (!names.has(must)) throw new Error(`the release lacks ${must}`)
    }
    return join(out, packed.filename)
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, 'scripts/release.mjs')) {
  const args = process.argv.slice(2)
  const outAt = args.indexOf('--out')
  if (args.length !== (outAt >= 0 ? 2 : 0) || (outAt >= 0 && !args[outAt + 1])) {
    process.stderr.write('usage: node scripts/release.mjs [--out DIR]   (default DIR: release/)\n')
    process.exit(2)
  }
  try {
    process.stdout.write(`${await release(outAt >= 0 ? { out: args[outAt + 1] } : {})}\n`)
  } catch (err) {
    process.stderr.write(`estate-gate release: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}
