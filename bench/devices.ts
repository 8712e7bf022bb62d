// The bench's device side, in its own process as real devices are: a scanner writing codes into its pty and a
// Modbus thermometer answering at once. Driven over IPC; reports when each code's last byte was written, on the
// shared timeline performance.timeOrigin + performance.now().
import { SerialPort } from 'serialport'
import { ModbusThermometerSim } from '../simulators/devices/modbusThermometer.ts'

interface Start {
  cmd: 'start'
  scannerPath: string
  /** A second scanner (the way out: no thermometer in front of it). */
  outScannerPath?: string
  thermometerPath: string
}
interface Scan {
  cmd: 'scan'
  i: number
  code: string
  /** 1: the out scanner. */
  scanner?: 0 | 1
}
type Msg = Start | Scan | { cmd: 'stop' }

let writer: SerialPort | null = null
let outWriter: SerialPort | null = null
let thermo: ModbusThermometerSim | null = null
const send = (m: unknown): void => void process.send!(m)

process.on('message', (m: Msg) => {
  void handle(m).catch((err: unknown) => send({ cmd: 'error', error: String(err) }))
})

async function handle(m: Msg): Promise<void> {
  if (m.cmd === 'start') {
    thermo = new ModbusThermometerSim({ unitId: 1, temperatureC: 36.6, respondDelayMs: 0 })
    await thermo.open(m.thermometerPath)
    writer = new SerialPort({ path: m.scannerPath, baudRate: 9600 })
    await new Promise<void>((res, rej) => writer!.once('open', res).once('error', rej))
    if (m.outScannerPath) {
      outWriter = new SerialPort({ path: m.outScannerPath, baudRate: 9600 })
      await new Promise<void>((res, rej) => outWriter!.once('open', res).once('error', rej))
    }
    send({ cmd: 'ready' })
  } else if (m.cmd === 'scan') {
    const bytes = Buffer.from(`${m.code}\r`)
    ;(m.scanner === 1 ? outWriter! : writer!).write(bytes, () => send({ cmd: 'written', i: m.i, at: performance.timeOrigin + performance.now() }))
  } else {
    await new Promise<void>((res) => writer?.close(() => res()) ?? res())
    await new Promise<void>((res) => outWriter?.close(() => res()) ?? res())
    await thermo?.close()
    process.exit(0)
  }
}
