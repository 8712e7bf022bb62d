import { connect as tcpConnect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { PacketTooLarge, packetSizeGuard } from '../../gateway/broker/packetLimit.ts'
import { P, connect, nextMessage, startTestBroker } from './helpers.ts'
import { newBridgeUser } from '../../gateway/broker/users.ts'

/** MQTT remaining-length encoding (MQTT 3.1.1 section 2.2.3). */
function varint(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return out
}

const packet = (type: number, bodyBytes: number): Buffer => Buffer.from([type, ...varint(bodyBytes), ...new Array<number>(bodyBytes).fill(0x61)])

/** Feeds `chunks` through a guard; returns what came out, or the error. */
async function feed(max: number, chunks: Buffer[]): Promise<Buffer | Error> {
  const guard = packetSizeGuard(max)
  const out: Buffer[] = []
  guard.on('data', (b: Buffer) => out.push(b))
  return new Promise((resolve) => {
    guard.once('error', resolve)
    guard.once('end', () => resolve(Buffer.concat(out)))
    for (const c of chunks) guard.write(c)
    guard.end()
  })
}

describe('packet size guard', () => {
  it('passes packets under the limit through unchanged, however they are split', async () => {
    const stream = Buffer.concat([packet(0xc0, 0), packet(0x30, 300), packet(0x30, 127), packet(0x30, 16_384), packet(0xe0, 0)])
    expect(await feed(20_000, [stream])).toEqual(stream)
    const bytes = [...stream].map((b) => Buffer.from([b]))
    expect(await feed(20_000, bytes)).toEqual(stream)
  })

  it('cuts at the header of a packet over the limit, before its body arrives', async () => {
    const err = await feed(1000, [packet(0xc0, 0), Buffer.from([0x30, ...varint(100_000_000)])])
    expect(err).toBeInstanceOf(PacketTooLarge)
    expect((err as Error).message).toMatch(/expected at most 1000/)
  })

  it('refuses a remaining length longer than four bytes', async () => {
    expect(await feed(2 ** 30, [Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])])).toBeInstanceOf(PacketTooLarge)
  })
})

describe('local broker: oversized packets', () => {
  it('closes a connection announcing a huge packet, and still carries a 100 KiB one', async () => {
    const bridgeUser = newBridgeUser()
    const broker = await startTestBroker([], [bridgeUser])
    try {
      const sock = tcpConnect(broker.port, '127.0.0.1')
      const gone = new Promise<void>((resolve) => sock.once('close', () => resolve()))
      sock.on('error', () => {})
      sock.write(Buffer.from([0x10, ...varint(200_000_000)]))
      await gone
      expect(broker.stats().refusedPackets).toBe(1)

      const c = await connect(broker.url, { username: bridgeUser.username, password: bridgeUser.password })
      await c.subscribeAsync(`${P}/summary/day`, { qos: 1 })
      const big = 'x'.repeat(100 * 1024)
      const got = nextMessage(c, `${P}/summary/day`)
      await c.publishAsync(`${P}/summary/day`, big, { qos: 1 })
      expect(await got).toBe(big)
      await c.endAsync()
    } finally {
      await broker.close()
    }
  })
})
