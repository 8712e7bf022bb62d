import { afterEach, describe, expect, it } from 'vitest'
import { crc16Xmodem, fromHex, toHex } from '../../devices/protocols/crc.ts'
import { Gm65Sim, type Gm65Options } from '../../simulators/devices/gm65.ts'
import { Gm65Framer } from '../../simulators/devices/gm65Protocol.ts'
import { Host, rig, sleep, type Rig } from './host.ts'
import { v } from './vectors.ts'

const ACK = v('gm65', 'reply_ok')

/** A host → module frame with a real CRC. */
function cmd(type: number, addr: number, data: number[]): Buffer {
  const body = Buffer.from([type, type === 0x07 ? 1 : data.length & 0xff, addr >> 8, addr & 0xff, ...data])
  const crc = crc16Xmodem(body)
  return Buffer.concat([Buffer.from([0x7e, 0x00]), body, Buffer.from([crc >> 8, crc & 0xff])])
}

let r: Rig<Gm65Sim> | null = null
afterEach(async () => {
  await r?.close()
  r = null
})

async function start(opts: Gm65Options = {}): Promise<Rig<Gm65Sim>> {
  r = await rig(new Gm65Sim({ decodeDelayMs: 20, ...opts }))
  return r
}

describe('GM65 simulator: zone-bit commands', () => {
  it('answers the manual read vectors with the real CRC', async () => {
    const { host, sim } = await start({ zones: { 0x0000: 0xd5 } })
    await host.write(v('gm65', 'read_000A'))
    expect(toHex(await host.take(7))).toBe(toHex(v('gm65', 'reply_read_3E')))
    await host.write(v('gm65', 'read_0000'))
    expect(toHex(await host.take(7))).toBe(toHex(v('gm65', 'reply_read_D5')))
    expect(sim.stats.counters.reads).toBe(2)
  })

  it('writes, and stays silent on a bad CRC', async () => {
    const { host, sim } = await start()
    await host.write('7E 00 08 01 00 0A 3E 11 22')
    expect(await host.quiet(150)).toHaveLength(0)
    expect(sim.stats.counters.badCrc).toBe(1)
    await host.write(v('gm65', 'write_0000_D5_cmdmode'))
    expect(await host.take(7)).toEqual(ACK)
    expect(sim.zone(0x0000)).toBe(0xd5)
    await host.write(v('gm65', 'read_0000'))
    expect(await host.take(7)).toEqual(v('gm65', 'reply_read_D5'))
  })

  it('accepts AB CD in the CRC field', async () => {
    const { host, sim } = await start()
    await host.write('7E 00 08 01 00 0A 55 AB CD')
    expect(await host.take(7)).toEqual(ACK)
    expect(sim.zone(0x000a)).toBe(0x55)
  })

  it('reads several zones at once (version and date)', async () => {
    const { host } = await start()
    await host.write(cmd(0x07, 0x00e1, [5]))
    const reply = await host.take(11)
    expect(toHex(reply.subarray(0, 9))).toBe('02 00 00 05 64 8C 16 05 12')
    expect(crc16Xmodem(reply, 2, 9)).toBe(reply.readUInt16BE(9))
  })

  it('keeps writes in RAM until saved, and reloads flash at power-up', async () => {
    const { host, sim } = await start()
    expect(sim.zone(0x0060)).toBe(0x61) // factory: no tail
    await host.write(v('gm65', 'write_0060_0x21_crlf'))
    expect(await host.take(7)).toEqual(ACK)
    sim.powerCycle()
    expect(sim.zone(0x0060)).toBe(0x61)
    await host.write(v('gm65', 'write_0060_0x21_crlf'))
    await host.take(7)
    await host.write(v('gm65', 'save_eeprom'))
    expect(await host.take(7)).toEqual(ACK)
    expect(sim.flashZone(0x0060)).toBe(0x21)
    sim.powerCycle()
    expect(sim.zone(0x0060)).toBe(0x21)
    expect(sim.stats.counters.saves).toBe(1)
  })

  it('answers the heartbeat with the 03 header', async () => {
    const { host } = await start()
    await host.write('7E 00 0A 01 00 00 00 30 1A')
    expect(toHex(await host.take(7))).toBe('03 00 00 01 00 33 31')
  })

  it('resynchronises on 7E 00 after noise, and drops a partial frame 400 ms after its header', async () => {
    const { host, sim } = await start()
    await host.write(Buffer.concat([fromHex('FF 7E 13 00'), v('gm65', 'read_000A')]))
    expect(await host.take(7)).toEqual(v('gm65', 'reply_read_3E'))
    // Split within 400 ms: completed.
    const read = v('gm65', 'read_000A')
    await host.write(read.subarray(0, 4))
    await sleep(100)
    await host.write(read.subarray(4))
    expect(await host.take(7)).toEqual(v('gm65', 'reply_read_3E'))
    // Rest after 400 ms: the partial frame was dropped, so its tail is garbage and nothing is answered.
    await host.write(read.subarray(0, 4))
    await sleep(450)
    await host.write(read.subarray(4))
    expect(await host.quiet(100)).toHaveLength(0)
    expect(sim.stats.counters.frameTimeouts).toBe(1)
  })
})

describe('GM65 simulator: scans and triggers', () => {
  it('sends nothing on the UART until the gateway switches output to UART, then uses the configured tail', async () => {
    const { host, sim } = await start()
    expect(await sim.scan('A1')).toBe(false)
    expect(await host.quiet(50)).toHaveLength(0)
    await host.write(cmd(0x08, 0x000d, [0x00]))
    await host.take(7)
    expect(await sim.scan('A1')).toBe(true) // tail bits 11: none
    expect((await host.take(2)).toString()).toBe('A1')
    const tails: [number, string][] = [[0x01, '\r'], [0x21, '\r\n'], [0x41, '\t'], [0x20, '']]
    for (const [zone, tail] of tails) {
      await host.write(cmd(0x08, 0x0060, [zone]))
      expect(await host.take(7)).toEqual(ACK)
      await sim.scan('B2')
      expect((await host.take(2 + tail.length)).toString()).toBe(`B2${tail}`)
    }
    expect(await host.quiet(30)).toHaveLength(0)
    expect(sim.stats.counters.notUart).toBe(1)
  })

  it('on a trigger sends the ACK first, then the presented code after the decode delay', async () => {
    const { host, sim } = await start({ preset: 'configured', decodeDelayMs: 60 })
    sim.present('PASS-1')
    expect(await host.quiet(100)).toHaveLength(0) // command mode: waits for the trigger
    const t0 = performance.now()
    await host.write(v('gm65', 'trigger_crc'))
    expect(await host.take(7)).toEqual(ACK)
    expect((await host.take(7)).toString()).toBe('PASS-1\r')
    const dataAt = host.arrivals.at(-1)!.at
    expect(dataAt - t0).toBeGreaterThanOrEqual(50)
    expect(sim.pending).toHaveLength(0)
    expect(sim.zone(0x0002)).toBe(0)
  })

  it('a trigger waits for a code until the 0x0006 timeout; the no-CRC trigger works too', async () => {
    const { host, sim } = await start({ preset: 'configured', zones: { 0x0006: 2 } }) // 200 ms
    await host.write(v('gm65', 'trigger_nocrc'))
    expect(await host.take(7)).toEqual(ACK)
    await sleep(50)
    sim.present('LATE')
    expect((await host.take(5)).toString()).toBe('LATE\r')
    await host.write(v('gm65', 'trigger_nocrc'))
    await host.take(7)
    expect(await host.quiet(300)).toHaveLength(0)
    expect(sim.stats.counters.readTimeouts).toBe(1)
    sim.present('NEXT') // after the timeout: queued for the next trigger
    expect(await host.quiet(60)).toHaveLength(0)
    await host.write(v('gm65', 'stop_crc'))
    expect(await host.take(7)).toEqual(ACK)
    expect(sim.pending).toEqual(['NEXT'])
  })

  it('outside command mode a presented code is decoded at once', async () => {
    const { host, sim } = await start({ zones: { 0x0000: 0xd6, 0x000d: 0x00, 0x0060: 0x01 } }) // continuous
    sim.present('C1')
    sim.present('C2')
    expect((await host.take(6)).toString()).toBe('C1\rC2\r')
  })
})

describe('GM65 simulator: baud rate', () => {
  it('answers only when the host port is at the module rate (read from the pty termios)', async () => {
    r = await rig((p) => new Gm65Sim({ baudRate: 115200, hostPath: p.gatewayPath }), 9600)
    const { pair, sim } = r
    await r.host.write(v('gm65', 'read_000A'))
    expect(await r.host.quiet(150)).toHaveLength(0)
    await r.host.close()
    const fast = (r.host = await Host.open(pair.gatewayPath, 115200))
    await fast.write(v('gm65', 'read_000A'))
    expect(await fast.take(7)).toEqual(v('gm65', 'reply_read_3E'))
    expect(sim.stats.counters.ignoredBaud).toBe(1)
    // Switching the module to 9600 (2-byte write to 0x002A) is acknowledged at the old rate, then applies.
    await fast.write(cmd(0x08, 0x002a, [0x39, 0x01]))
    expect(await fast.take(7)).toEqual(ACK)
    await fast.write(v('gm65', 'read_000A'))
    expect(await fast.quiet(150)).toHaveLength(0)
    expect(sim.baudRate).toBe(9600)
  })

  it('respondAfterRetries ignores the first n commands', async () => {
    const { host, sim } = await start({ respondAfterRetries: 2 })
    for (let i = 0; i < 2; i++) {
      await host.write(v('gm65', 'read_000A'))
      expect(await host.quiet(80)).toHaveLength(0)
    }
    await host.write(v('gm65', 'read_000A'))
    expect(await host.take(7)).toEqual(v('gm65', 'reply_read_3E'))
    expect(sim.stats.counters.ignoredRetries).toBe(2)
  })
})

describe('GM65 simulator: wire', () => {
  it('comes back after unplug/replug with RAM reloaded from flash', async () => {
    const { host, sim, pair } = await start()
    await host.write(cmd(0x08, 0x000d, [0x00]))
    await host.take(7)
    expect(sim.uartOutput).toBe(true)
    await host.close()
    const ups = sim.powerUps
    await pair.unplug()
    await pair.replug()
    // isOpen may still be true from before the unplug: wait for the power-up that follows the replug.
    for (let i = 0; i < 250 && !(sim.isOpen && sim.powerUps > ups); i++) await sleep(20)
    expect(sim.isOpen).toBe(true)
    expect(sim.uartOutput).toBe(false) // never saved
    r!.host = await Host.open(pair.gatewayPath)
    await r!.host.write(v('gm65', 'read_000A'))
    expect(await r!.host.take(7)).toEqual(v('gm65', 'reply_read_3E'))
  })
})

describe('Gm65Framer', () => {
  it('sizes frames by type and lens, including 256-byte writes', () => {
    const f = new Gm65Framer()
    const big = cmd(0x08, 0x0000, Array.from({ length: 256 }, (_, i) => i & 0xff))
    expect(big).toHaveLength(264)
    const evs = f.push(Buffer.concat([big, v('gm65', 'read_000A')]), 0)
    expect(evs.map((e) => e.kind)).toEqual(['command', 'command'])
  })

  it('keeps a trailing 7E as a possible header start', () => {
    const f = new Gm65Framer()
    const read = v('gm65', 'read_000A')
    expect(f.push(Buffer.from([0x11, 0x7e]), 0).map((e) => e.kind)).toEqual(['garbage'])
    expect(f.push(read.subarray(1), 10).map((e) => e.kind)).toEqual(['command'])
  })
})
