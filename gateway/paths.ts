// Files the gateway reads or runs beside its own code, found from this module's location: gateway/ in the source
// tree (tsx, tests), dist/ in the built release, whose chunks all sit in one directory (scripts/build.mjs copies the
// kiosk's files to dist/kiosk/public/).
import { fileURLToPath } from 'node:url'

/** True when running from the bundle (dist/*.js) rather than from the TypeScript sources. */
export const BUILT = !import.meta.url.endsWith('.ts')

/** The staff screen's and tech pages' files (HTML, scripts, styles). */
export const KIOSK_PUBLIC = new URL('./kiosk/public/', import.meta.url)

/** `estate-gate sim` runs the device simulators as a child process: node and its arguments before the CLI's own. */
export function simulatorCommand(): { execPath: string; args: string[] } {
  return BUILT
    ? { execPath: process.execPath, args: ['--enable-source-maps', fileURLToPath(new URL('./sim.js', import.meta.url))] }
    : { execPath: process.execPath, args: ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../simulators/cli.ts', import.meta.url))] }
}
