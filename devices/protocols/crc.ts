// Checksums of the device protocols (../shared/protocols/devices.md). Table-free: frames are a few bytes long.

/** CRC-16/MODBUS: init 0xFFFF, reflected poly 0xA001, no final XOR; sent low byte first. */
export function crc16Modbus(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]!
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
  }
  return crc
}

/** CRC-16/XMODEM (GM65 zone-bit protocol): poly 0x1021, init 0, MSB first; sent high byte first. */
export function crc16Xmodem(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

/** GY-MCU906xx frame sum: the low byte of the sum of the preceding bytes. */
export function sum8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let s = 0
  for (let i = start; i < end; i++) s += bytes[i]!
  return s & 0xff
}

/** "7E 00 08" -> bytes; the test vectors and logs use this spelling. */
export function fromHex(hex: string): Buffer {
  return Buffer.from(hex.replace(/[^0-9a-f]/gi, ''), 'hex')
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ')
}
