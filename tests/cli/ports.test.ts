// estate-gate ports: the OS's serial ports joined with their /dev/serial/by-id names. The by-id directory here
// holds links to real pseudo-terminals (socat), as udev's links point at real ttyUSB devices.
import { mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PtyPair } from '../../simulators/pty.ts'
import { cliProcess, runCli, tempDir } from './helpers.ts'

const dir = tempDir()
const byIdDir = join(dir, 'by-id')
let pairs: PtyPair[] = []
let ttyA = ''
let ttyB = ''
const FTDI = 'usb-FTDI_FT232R_USB_UART_A10K4XYZ-if00-port0'
const CH340 = 'usb-1a86_USB_Serial-if00-port0'

beforeAll(async () => {
  pairs = await Promise.all([PtyPair.open({ dir, name: 'a' }), PtyPair.open({ dir, name: 'b' })])
  ttyA = realpathSync(pairs[0]!.gatewayPath)
  ttyB = realpathSync(pairs[1]!.gatewayPath)
  mkdirSync(byIdDir)
  symlinkSync(ttyA, join(byIdDir, FTDI))
  symlinkSync(ttyB, join(byIdDir, CH340))
})
afterAll(async () => {
  await Promise.all(pairs.map((p) => p.close()))
  rmSync(dir, { recursive: true, force: true })
})

/** What serialport's SerialPort.list() reports on a Pi with one FTDI adapter (the CH340 one it misses). */
const listPorts = async () => [
  { path: '/dev/ttyAMA0' },
  { path: ttyA, manufacturer: 'FTDI', serialNumber: 'A10K4XYZ', vendorId: '0403', productId: '6001' },
]

describe('ports', () => {
  it('lists USB adapters first, each with its by-id name, then ports without one', async () => {
    const ran = await runCli(['ports'], { hardware: { listPorts, byIdDir } })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    const lines = ran.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('Serial ports (put the /dev/serial/by-id/... name in the config):')
    const [first, second] = [ttyA, ttyB].sort()
    const about = (tty: string) => (tty === ttyA ? 'FTDI, 0403:6001, serial A10K4XYZ' : '')
    const linkOf = (tty: string) => join(byIdDir, tty === ttyA ? FTDI : CH340)
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^  ${first} *${about(first!)}$`)),
      `      ${linkOf(first!)}`,
      expect.stringMatching(new RegExp(`^  ${second} *${about(second!)}$`)),
      `      ${linkOf(second!)}`,
      expect.stringMatching(/^ {2}\/dev\/ttyAMA0 +no stable name \(a built-in UART, or not a USB adapter\)$/),
    ])
  })

  it('--json gives the same as data', async () => {
    const ran = await runCli(['ports', '--json'], { hardware: { listPorts, byIdDir } })
    expect(ran.code).toBe(0)
    const list = JSON.parse(ran.stdout) as { path: string; byId: string[]; manufacturer: string | null }[]
    expect(list).toHaveLength(3)
    expect(list.find((p) => p.path === ttyA)).toEqual({
      path: ttyA, byId: [join(byIdDir, FTDI)], manufacturer: 'FTDI', serialNumber: 'A10K4XYZ', vendorId: '0403', productId: '6001',
    })
    expect(list.at(-1)).toMatchObject({ path: '/dev/ttyAMA0', byId: [] })
  })

  it('says what to do when there is no port, or no adapter with a stable name', async () => {
    const none = await runCli(['ports'], { hardware: { listPorts: async () => [], byIdDir: join(dir, 'missing') } })
    expect(none).toMatchObject({ code: 0, stderr: '' })
    expect(none.stdout).toMatch(/^No serial ports found\. Plug in the USB-to-RS-485 .*adapter; "dmesg \| tail"/)
    const builtin = await runCli(['ports'], { hardware: { listPorts: async () => [{ path: '/dev/ttyS0' }], byIdDir: join(dir, 'missing') } })
    expect(builtin.stdout).toBe(
      'Serial ports:\n  /dev/ttyS0  no stable name (a built-in UART, or not a USB adapter)\nNo /dev/serial/by-id names: no USB serial adapter is plugged in (or udev is not running).\n',
    )
  })

  it('as a process, on this machine: exit 0 and a list (or that there is none)', async () => {
    const ran = await cliProcess(['ports', '--json'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(Array.isArray(JSON.parse(ran.stdout))).toBe(true)
  })
})
