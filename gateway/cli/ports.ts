// `estate-gate ports`: the serial ports of this box with their stable /dev/serial/by-id names, which are what
// belongs in the config (devices/transport/ports.ts; a ttyUSB number moves when adapters are replugged).
import type { CliContext } from '../cli.ts'
import { listSerialPorts } from '../../devices/transport/ports.ts'
import { parse, runCommand } from './args.ts'

export const PORTS_USAGE = `Usage: estate-gate ports [--json]

Lists the serial ports of this box: USB adapters first, each with its stable /dev/serial/by-id/... name.
Put that name in the config (devices.scanners[].path, devices.thermometers[].path): /dev/ttyUSB0 and
/dev/ttyUSB1 swap when adapters are replugged or the box reboots, the by-id name stays.
Tip: run it, plug in one adapter, run it again: the new line is that adapter.

Options:
  --json      one JSON array (path, byId, manufacturer, serialNumber, vendorId, productId)
  -h, --help  this text

Exit codes: 0 listed (also when there is none), 2 bad argument.
`

export function ports(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('ports', ctx, async () => {
    const values = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
    if (values.help) {
      ctx.stdout(PORTS_USAGE)
      return 0
    }
    const hw = ctx.hardware ?? {}
    const list = await listSerialPorts({ ...(hw.listPorts && { list: hw.listPorts }), ...(hw.byIdDir && { byIdDir: hw.byIdDir }) })
    if (values.json) {
      ctx.stdout(`${JSON.stringify(list, null, 2)}\n`)
      return 0
    }
    if (list.length === 0) {
      ctx.stdout('No serial ports found. Plug in the USB-to-RS-485 (or USB-to-TTL) adapter; "dmesg | tail" shows whether the kernel saw it.\n')
      return 0
    }
    const width = Math.max(...list.map((p) => p.path.length))
    const lines = list.map((p) => {
      const about = [p.manufacturer, p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : null, p.serialNumber ? `serial ${p.serialNumber}` : null]
        .filter((x) => x)
        .join(', ')
      const head = `  ${p.path.padEnd(width)}  ${about || (p.byId.length ? '' : 'no stable name (a built-in UART, or not a USB adapter)')}`.trimEnd()
      return [head, ...p.byId.map((b) => `      ${b}`)].join('\n')
    })
    const stable = list.some((p) => p.byId.length > 0)
    ctx.stdout(
      `Serial ports${stable ? ' (put the /dev/serial/by-id/... name in the config)' : ''}:\n${lines.join('\n')}\n` +
        (stable ? '' : 'No /dev/serial/by-id names: no USB serial adapter is plugged in (or udev is not running).\n'),
    )
    return 0
  })
}
