// The release as a technician installs it (docs/raspberry-pi.md, step 7): `npm run release`'s tarball unpacked into
// a directory standing in for /opt/estate-gate, with the node_modules that `npm ci --omit=dev` would give it: only
// the packages the lock file does not mark dev, linked from this checkout's node_modules (no download, no compile).
// A bundle that imported tsx, vitest or any other devDependency fails to load there, as it would on the Pi.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ROOT } from './gatewayProcess.ts'

export interface UnpackedRelease {
  /** Stands in for /opt/estate-gate. */
  dir: string
  tarball: string
  /** Every path in the tarball, without its `package/` prefix. */
  files: string[]
}

export async function unpackedRelease(): Promise<UnpackedRelease> {
  const work = mkdtempSync(join(tmpdir(), 'estate-gate-release-test-'))
  const { release } = (await import(join(ROOT, 'scripts/release.mjs'))) as { release: (o: { out: string }) => Promise<string> }
  const tarball = await release({ out: join(work, 'out') })
  const dir = join(work, 'opt')
  mkdirSync(dir)
  const tar = spawnSync('tar', ['xzf', tarball, '-C', dir, '--strip-components=1'], { encoding: 'utf8' })
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`)
  const listed = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout
  const files = listed.split('\n').filter((l) => l && !l.endsWith('/')).map((l) => l.replace(/^package\//, ''))
  const lock = JSON.parse(readFileSync(join(dir, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> }
  for (const [path, meta] of Object.entries(lock.packages)) {
    // Top-level packages only: a nested node_modules comes along inside its parent's directory.
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || meta.dev) continue
    const from = join(ROOT, path)
    try {
      readFileSync(join(from, 'package.json'))
    } catch {
      if (meta.optional) continue // another platform's binary (fsevents, @esbuild/darwin-*)
      throw new Error(`${path} is a runtime package but is not installed in ${ROOT}`)
    }
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    symlinkSync(from, join(dir, path))
  }
  return { dir, tarball, files }
}
