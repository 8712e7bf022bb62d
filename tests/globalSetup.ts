// Before any test file: dist/ built from the current sources when it is missing or older (scripts/build.mjs), so
// the tests that run the built files (`npx estate-gate`, package.json bin) run what the sources say. Free when up
// to date; about a second when not.
import { buildIfStale } from '../scripts/build.mjs'

export default async function setup(): Promise<void> {
  await buildIfStale({ log: (line) => process.stderr.write(`${line}\n`) })
}
