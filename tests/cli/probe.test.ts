// estate-gate probe scanner|thermometer against the device simulators on real pseudo-terminals (socat), with the
// real serialport binding: the bytes a technician's probe sends and what it makes of the answers.
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Gm65Sim } from '../../simulators/devices/gm65.ts'
import { GyMcuSim } from '../../simulators/devices/gyMcu.ts'
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { toHex } from '../../devices/protocols/crc.ts'
import { runCli } from './helpers.ts'

interface Sim {
  open(path: string): Promise<void>
  close(): Promise<void>
}

const open: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
})

/** A simulator on the device end of a fresh pty pair; the probe gets the gateway end. */
async function onPty<S extends Sim>(make: (pair: PtyPair) => S): Promise<{ sim: S; path: string; pair: PtyPair }> {
  const pair = await PtyPair.open()
  open.push(() => pair.close())
  const sim = make(pair)
  await sim.open(pair.devicePath)
  open.push(() => sim.close())
  return { sim, path: pair.gatewayPath, pair }
}

/** Waits until `check` is true (the probe has opened the port and is listening). */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('probe thermometer, modbus-rtu', () => {
  it('reads the object temperature with a read of one input register and prints it in °C', async () => {
    const { sim, path } = await onPty(() => new ModbusThermometerSim({ temperatureC: 37.25 }))
    const ran = await runCli(['probe', 'thermometer', '--path', path])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe(`Thermometer on ${path} (modbus-rtu, unit 1, function 4, register 0, scale 0.01, 9600 baud): 37.25 °C\n`)
    // Unit 1, function 04, register 0, quantity 1, CRC low byte first: the gateway's own request.
    expect(sim.stats.received.map(toHex)).toContain('01 04 00 00 00 01 31 CA')
    expect(sim.stats.counters.replies).toBeGreaterThanOrEqual(1)
  })

  it('uses --unit, --function, --register and --scale as the config keys would', async () => {
    const { sim, path } = await onPty(() => new ModbusThermometerSim({ unitId: 7, register: 0x10, scale: 0.1, temperatureC: 36.6 }))
    const ran = await runCli(['probe', 'thermometer', '--path', path, '--unit', '7', '--function', '3', '--register', '16', '--scale', '0.1'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toContain('(modbus-rtu, unit 7, function 3, register 16, scale 0.1, 9600 baud): 36.60 °C')
    expect(sim.stats.received.map(toHex)).toContain('07 03 00 10 00 01 85 A9')
  })

  it('a wrong scale gives an absurd reading, and the note says to check --scale', async () => {
    const { path } = await onPty(() => new ModbusThermometerSim({ scale: 0.01, temperatureC: 36.5 }))
    const ran = await runCli(['probe', 'thermometer', '--path', path, '--scale', '0.1'])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain('365.00 °C\nNote: outside 34-42.5 °C')
    expect(ran.stdout).toContain('check --scale (0.1 or 0.01)')
  })

  it('no reply (another unit id on the bus): exit 1, naming the unit, port and baud rate and what to check', async () => {
    const { sim, path } = await onPty(() => new ModbusThermometerSim({ unitId: 2 }))
    const ran = await runCli(['probe', 'thermometer', '--path', path, '--unit', '1'])
    expect(ran).toMatchObject({ code: 1, stdout: '' })
    expect(ran.stderr).toBe(
      `estate-gate probe thermometer: no reply from a Modbus thermometer at unit 1 on ${path} at 9600 baud: ` +
        `check A/B wiring (swap A and B if unsure), unit id (--unit), baud rate (--baud) and the sensor's power\n`,
    )
    expect(sim.stats.counters.otherUnit).toBeGreaterThanOrEqual(1)
  })

  it('an exception reply: exit 1, the sensor is there but the register or function is wrong', async () => {
    const { path } = await onPty(() => new ModbusThermometerSim())
    const ran = await runCli(['probe', 'thermometer', '--path', path, '--register', '9'])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/answered with an error \(exception 0x02 \(illegal data address\) to function 4\): it is there, but --function .* or --register does not match its manual/)
  })

  it('replies with a bad CRC: exit 1, check the baud rate, wiring and termination', async () => {
    let sim: ModbusThermometerSim | null = null
    // Every reply corrupted: the trace sees each request before the simulator answers it.
    const { path } = await onPty(() => (sim = new ModbusThermometerSim({ trace: (dir) => void (dir === 'in' && sim?.corruptNextCrc()) })))
    const ran = await runCli(['probe', 'thermometer', '--path', path])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/a reply from the Modbus thermometer at unit 1 on \S+ at 9600 baud failed its CRC \(reply CRC expected 0x[0-9A-F]{4}, got 0x[0-9A-F]{4}\): check the baud rate/)
  })

  it('a port that does not exist: exit 1, pointing at estate-gate ports', async () => {
    const ran = await runCli(['probe', 'thermometer', '--path', '/dev/ttyUSB9-nothing-here'])
    expect(ran).toMatchObject({ code: 1, stdout: '' })
    expect(ran.stderr).toBe(
      'estate-gate probe thermometer: cannot open /dev/ttyUSB9-nothing-here: No such file or directory; there is no such port: ' +
        '"estate-gate ports" lists the ports of this box (is the adapter plugged in?)\n',
    )
  })
})

describe('probe thermometer, gy-mcu', () => {
  it('sends one query (never the stream command) and prints object and ambient', async () => {
    const { sim, path } = await onPty(() => new GyMcuSim({ mode: 'query', temperatureC: 36.8, ambientC: 24.5 }))
    const ran = await runCli(['probe', 'thermometer', '--driver', 'gy-mcu', '--path', path])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe(`Thermometer on ${path} (gy-mcu, 9600 baud): 36.80 °C, ambient 24.50 °C\n`)
    expect(sim.stats.counters.queries).toBeGreaterThanOrEqual(1)
    expect(Buffer.concat(sim.stats.received).includes(Buffer.from([0xa5, 0x45, 0xea]))).toBe(false)
  })

  it('flags an ambient outside 16-35 °C', async () => {
    const { path } = await onPty(() => new GyMcuSim({ temperatureC: 36.1, ambientC: 5 }))
    const ran = await runCli(['probe', 'thermometer', '--driver', 'gy-mcu', '--path', path])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain('Note: ambient outside 16-35 °C')
  })

  it('a silent module: exit 1, with what to check', async () => {
    const { sim, path } = await onPty(() => new GyMcuSim({ mode: 'query' }))
    sim.silentFor(10)
    const ran = await runCli(['probe', 'thermometer', '--driver', 'gy-mcu', '--path', path])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/no frame from a GY-MCU thermometer on \S+ at 9600 baud within 300 ms of a query \(A5 15 BA\): check its power, the wiring/)
  })
})

describe('probe scanner, line', () => {
  it('prints the length and a short SHA-256 of the code, and that it has the shape of a pass; never the code', async () => {
    const { sim, path } = await onPty(() => new LineScannerSim())
    const pass = `${Buffer.from('{"alg":"EdDSA","kid":"estate-key-1"}').toString('base64url')}.${Buffer.from('{"sub":"H-3-1-502"}').toString('base64url')}.c2lnbmF0dXJl`
    let stdout = ''
    const probing = runCli(['probe', 'scanner', '--path', path, '--wait', '10'], { stdout: (t) => void (stdout += t) })
    await until(() => stdout.includes('show a QR code'))
    await sim.scan(pass, { chunkSizes: [7, 30], gapMs: 5 })
    const ran = await probing
    expect(ran.code).toBe(0)
    const hash = createHash('sha256').update(pass).digest('hex').slice(0, 8)
    expect(stdout).toBe(
      `Listening on ${path} at 9600 baud for up to 10 s: show a QR code to the scanner.\n` +
        `Code received: ${pass.length} bytes, sha256 ${hash} (its first 8 hex digits; the text itself is not shown: passes are personal).\n` +
        'It has the shape of a signed pass (JWS): alg "EdDSA", kid "estate-key-1"; the gate checks its signature against passes.issuers.\n',
    )
    expect(stdout).not.toContain('H-3-1-502')
    expect(stdout).not.toContain(pass.slice(0, 20))
  })

  it('a code that is not a pass: its byte length (UTF-8) and that the gate would deny it', async () => {
    const { sim, path } = await onPty(() => new LineScannerSim())
    let stdout = ''
    const probing = runCli(['probe', 'scanner', '--path', path], { stdout: (t) => void (stdout += t) })
    await until(() => stdout.includes('show a QR code'))
    await sim.scan('微信支付 13800138000', { tail: 'crlf' })
    expect((await probing).code).toBe(0)
    expect(stdout).toContain(`Code received: ${Buffer.byteLength('微信支付 13800138000')} bytes, sha256 `)
    expect(stdout).toContain('It is not a signed pass')
    expect(stdout).not.toContain('13800138000')
  })

  it('nothing at all within --wait: exit 1, check wiring and serial mode', async () => {
    const { path } = await onPty(() => new LineScannerSim())
    const ran = await runCli(['probe', 'scanner', '--path', path, '--wait', '0.3'])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toBe(
      `estate-gate probe scanner: no code from a line scanner on ${path} at 9600 baud within 0.3 s, not a single byte: ` +
        'check the wiring (scanner TX to adapter RX, a common ground), that the scanner sends on its serial port ' +
        '(not as a USB keyboard: scan its "serial output" setup code), and that a code was shown\n',
    )
  })

  it('bytes that are no code (garbled by a wrong baud rate): exit 1, says so', async () => {
    const { sim, path } = await onPty(() => new LineScannerSim())
    let stdout = ''
    const probing = runCli(['probe', 'scanner', '--path', path, '--wait', '1'], { stdout: (t) => void (stdout += t) })
    await until(() => stdout.includes('show a QR code'))
    await sim.writeRaw(Buffer.from([0xc3, 0x28, 0xff, 0x0d]))
    const ran = await probing
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/within 1 s: 4 bytes arrived but no valid code: 1 not valid UTF-8 \(a wrong baud rate garbles bytes: try --baud 115200/)
  })
})

describe('probe scanner, gm65', () => {
  it('reads versions, output interface and tail of a module fresh from the factory, and changes nothing', async () => {
    const { sim, path } = await onPty(() => new Gm65Sim({ preset: 'factory' }))
    const before = [0x000d, 0x0060].map((z) => sim.flashZone(z))
    const ran = await runCli(['probe', 'scanner', '--driver', 'gm65', '--path', path])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe(
      `GM65-family scanner on ${path}, answering at 9600 baud:\n` +
        '  hardware version  V1.00\n' +
        '  software version  V1.40\n' +
        '  output            USB: codes do not reach this port until the gateway switches it to serial at start\n' +
        '  tail              not CR: the gateway sets the tail its config names at start (CR with tail: auto)\n',
    )
    expect(sim.stats.counters.reads).toBe(4)
    expect([sim.stats.counters.writes, sim.stats.counters.saves]).toEqual([0, 0])
    expect([0x000d, 0x0060].map((z) => sim.zone(z))).toEqual(before)
  })

  it('a configured module: serial output and CR tail', async () => {
    const { path } = await onPty(() => new Gm65Sim({ preset: 'configured' }))
    const ran = await runCli(['probe', 'scanner', '--driver', 'gm65', '--path', path])
    expect(ran.stdout).toContain('  output            serial (UART)\n  tail              CR\n')
  })

  it('without --baud, a module set to 115200 is found at 115200; with --baud 9600 it is not', async () => {
    const { path } = await onPty((pair) => new Gm65Sim({ preset: 'configured', baudRate: 115200, hostPath: pair.gatewayPath }))
    const found = await runCli(['probe', 'scanner', '--driver', 'gm65', '--path', path])
    expect(found).toMatchObject({ code: 0, stderr: '' })
    expect(found.stdout).toContain('answering at 115200 baud')
    const missed = await runCli(['probe', 'scanner', '--driver', 'gm65', '--path', path, '--baud', '9600'])
    expect(missed).toMatchObject({ code: 1, stdout: '' })
    expect(missed.stderr).toMatch(/no reply from a GM65-family scanner on \S+ at 9600 baud \(a read of zone 0x000D\): check its power and the wiring .*use --driver line/)
  })

  it('a plain line scanner answers no command: exit 1 after trying 9600 and 115200', async () => {
    const { path } = await onPty(() => new LineScannerSim())
    const ran = await runCli(['probe', 'scanner', '--driver', 'gm65', '--path', path])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/at 9600 or 115200 baud/)
  })
})

describe('probe, bad arguments (exit 2)', () => {
  it.each([
    [['probe', 'scanner'], /missing --path PORT/],
    [['probe', 'scanner', '--path', '/dev/x', '--driver', 'usb'], /--driver: expected one of line, gm65, got "usb"/],
    [['probe', 'scanner', '--path', '/dev/x', '--baud', '1234'], /--baud: one of 1200, 2400, .*115200 \(got 1234\)/],
    [['probe', 'scanner', '--path', '/dev/x', '--baud', 'fast'], /--baud: expected an integer/],
    [['probe', 'scanner', '--path', '/dev/x', '--wait', '0'], /--wait: expected a number from 0.1 to 3600, got "0"/],
    [['probe', 'scanner', '--path', '/dev/x', '--driver', 'gm65', '--wait', '5'], /--wait: applies to --driver line only/],
    [['probe', 'thermometer'], /missing --path PORT/],
    [['probe', 'thermometer', '--path', '/dev/x', '--driver', 'gy-mcu', '--unit', '2'], /--unit: applies to --driver modbus-rtu only/],
    [['probe', 'thermometer', '--path', '/dev/x', '--unit', '300'], /--unit: Too big: expected number to be <=247 \(got 300\)/],
    [['probe', 'thermometer', '--path', '/dev/x', '--function', '6'], /--function: 3 \(holding\) or 4 \(input registers\) \(got 6\)/],
    [['probe', 'thermometer', '--path', '/dev/x', '--scale', 'x'], /--scale: expected a number/],
    [['probe', 'thermometer', '--path', '/dev/x', '--temp', '3'], /Unknown option '--temp'/],
  ])('%j', async (args, message) => {
    const ran = await runCli(args)
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toMatch(message)
    expect(ran.stderr).toContain(`Run "estate-gate probe ${args[1]} --help" for usage.`)
  })
})
