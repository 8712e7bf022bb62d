// `npm start [-- --config FILE]` and the systemd unit (dist/main.js once built): the gateway as the process.
// Nothing imports this file: it runs when loaded, which in a bundle is only true of an entry that no other module
// imports (`estate-gate start` imports gateway/process.ts instead).
import { runAsProcess } from './process.ts'

runAsProcess(process.argv.slice(2))
