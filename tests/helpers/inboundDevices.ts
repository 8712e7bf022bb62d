// An inbound scanner and a Modbus thermometer on real pseudo-terminals, each with its device simulator writing the
// devices' real bytes into the other end: the set-up of every end-to-end test that scans a pass through the wires.
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../../simulators/pty.ts'

export interface InboundDevices {
  inPty: PtyPair
  thermoPty: PtyPair
  scanner: LineScannerSim
  thermo: ModbusThermometerSim
  /** The simulators, then the pseudo-terminals. */
  close(): Promise<void>
}

/** Opens both pairs and both simulators (the thermometer reads `temperatureC` until told otherwise). */
export async function openInboundDevices(temperatureC = 36.6): Promise<InboundDevices> {
  const [inPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'in' }), PtyPair.open({ name: 'thermo' })])
  const scanner = new LineScannerSim()
  const thermo = new ModbusThermometerSim({ unitId: 1, register: 0, scale: 0.01, temperatureC })
  await Promise.all([scanner.open(inPty.devicePath), thermo.open(thermoPty.devicePath)])
  return {
    inPty,
    thermoPty,
    scanner,
    thermo,
    async close() {
      await Promise.all([scanner.close(), thermo.close()])
      await Promise.all([inPty.close(), thermoPty.close()])
    },
  }
}
