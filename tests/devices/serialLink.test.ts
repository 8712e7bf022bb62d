import { afterEach, describe, expect, it } from 'vitest'
import { SerialLink } from '../../devices/transport/serialLink.ts'
import { mockSerial, testCtx, waitFor } from './helpers.ts'

const mock = mockSerial()
const links: SerialLink[] = []

function link(path: string, ctx = testCtx()) {
  const events: string[] = []
  const data: { chunk: Buffer; mono: number }[] = []
  const l = new SerialLink(
    { path, baudRate: 9600, clock: ctx.clock, log: ctx.log, binding: mock.binding },
    {
      data: (chunk, mono) => data.push({ chunk, mono }),
      open: () => events.push('open'),
      close: (disconnected) => events.push(disconnected ? 'lost' : 'closed'),
    },
  )
  links.push(l)
  return { l, events, data, ctx }
}

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()))
  mock.reset()
})

describe('SerialLink over the mock binding', () => {
  it('opens, delivers data with a monotonic time, writes and counts', async () => {
    mock.create('/dev/ttyM0')
    const { l, events, data } = link('/dev/ttyM0')
    const before = performance.now()
    await l.start()
    expect(l.isOpen).toBe(true)
    expect(events).toEqual(['open'])
    mock.emit('/dev/ttyM0', 'hello')
    await waitFor(() => data.length > 0, 'data')
    expect(data[0]!.chunk.toString()).toBe('hello')
    expect(data[0]!.mono).toBeGreaterThanOrEqual(before)
    expect(l.write(Buffer.from([1, 2, 3]))).toBe(true)
    await waitFor(() => mock.writes('/dev/ttyM0').length > 0, 'write')
    expect([...mock.writes('/dev/ttyM0')[0]!]).toEqual([1, 2, 3])
    expect(l.counters).toMatchObject({ bytesIn: 5, bytesOut: 3, reopens: 0, openErrors: 0 })
  })

  it('keeps retrying a missing port, logs the outage once, and opens when it appears', async () => {
    const { l, events, ctx } = link('/dev/ttyM1')
    await l.start()
    expect(l.isOpen).toBe(false)
    expect(l.openError).toMatch(/does not exist/)
    await waitFor(() => l.counters.openErrors >= 3, 'three failed opens')
    mock.create('/dev/ttyM1')
    await waitFor(() => l.isOpen, 'open after the port appears')
    expect(events).toEqual(['open'])
    const warnings = ctx.lines.filter((x) => x.level === 40 && String(x.msg).includes('cannot open'))
    expect(warnings).toHaveLength(1)
  })

  it('reopens with a fresh port after a disconnect', async () => {
    mock.create('/dev/ttyM2')
    const { l, events } = link('/dev/ttyM2')
    await l.start()
    mock.unplug('/dev/ttyM2')
    await waitFor(() => events.includes('lost'), 'disconnect')
    await waitFor(() => l.isOpen, 'reopen')
    expect(events).toEqual(['open', 'lost', 'open'])
    expect(l.counters.reopens).toBe(1)
  })

  it('changes the baud rate now and for later opens', async () => {
    mock.create('/dev/ttyM3')
    const { l } = link('/dev/ttyM3')
    await l.start()
    await l.setBaudRate(115200)
    expect(l.baudRate).toBe(115200)
    expect(mock.port('/dev/ttyM3').openOptions.baudRate).toBe(9600) // the binding's copy of the open options
    const status = await mock.port('/dev/ttyM3').getBaudRate()
    expect(status.baudRate).toBe(115200)
  })

  it('does not reconnect after stop, and refuses writes', async () => {
    mock.create('/dev/ttyM4')
    const { l, events } = link('/dev/ttyM4')
    await l.start()
    await l.stop()
    expect(l.isOpen).toBe(false)
    expect(l.write(Buffer.from([1]))).toBe(false)
    await new Promise((r) => setTimeout(r, 250))
    expect(events).toEqual(['open', 'closed'])
  })

  it('survives a throwing data handler', async () => {
    mock.create('/dev/ttyM5')
    const ctx = testCtx()
    const l = new SerialLink(
      { path: '/dev/ttyM5', baudRate: 9600, clock: ctx.clock, log: ctx.log, binding: mock.binding },
      { data: () => { throw new Error('boom') } },
    )
    links.push(l)
    await l.start()
    mock.emit('/dev/ttyM5', 'x')
    await waitFor(() => ctx.lines.some((x) => x.msg === 'data handler threw; bytes dropped'), 'logged handler error')
    expect(l.isOpen).toBe(true)
  })
})
