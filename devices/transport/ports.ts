// Serial ports a technician can put in the config, with their stable /dev/serial/by-id names: a USB adapter's
// ttyUSB number changes when another is plugged in or after a re-enumeration (FIELD.md, mqmgateway #9), its by-id
// name does not.
import { readdir, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { SerialPort } from 'serialport'

export interface SerialPortInfo {
  path: string
  /** /dev/serial/by-id links to this port (use one of these in the config). */
  byId: string[]
  manufacturer: string | null
  serialNumber: string | null
  vendorId: string | null
  productId: string | null
}

export interface ListPortsOptions {
  byIdDir?: string
  /** The OS's port list (serialport's `SerialPort.list`); tests pass their own. */
  list?: () => Promise<{ path: string; manufacturer?: string | undefined; serialNumber?: string | undefined; vendorId?: string | undefined; productId?: string | undefined }[]>
}

export async function listSerialPorts(opts: ListPortsOptions = {}): Promise<SerialPortInfo[]> {
  const byIdDir = opts.byIdDir ?? '/dev/serial/by-id'
  const listed = await (opts.list ?? (() => SerialPort.list()))().catch(() => [])
  const ports = new Map<string, SerialPortInfo>()
  for (const p of listed) {
    ports.set(p.path, {
      path: p.path,
      byId: [],
      manufacturer: p.manufacturer ?? null,
      serialNumber: p.serialNumber ?? null,
      vendorId: p.vendorId ?? null,
      productId: p.productId ?? null,
    })
  }
  // No by-id directory (no USB serial adapter plugged in, or no udev): just the OS list.
  const links = await readdir(byIdDir).catch(() => [] as string[])
  for (const name of links.sort()) {
    const link = join(byIdDir, name)
    const target = await realpath(link).catch(() => null)
    if (target === null) continue
    const port = ports.get(target) ?? { path: target, byId: [], manufacturer: null, serialNumber: null, vendorId: null, productId: null }
    port.byId.push(link)
    ports.set(target, port)
  }
  // Ports with a stable name first: those are the USB adapters a gate uses.
  return [...ports.values()].sort((a, b) => Number(b.byId.length > 0) - Number(a.byId.length > 0) || a.path.localeCompare(b.path))
}
