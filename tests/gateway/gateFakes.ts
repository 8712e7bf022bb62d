// Small fakes for the gate control's unit tests: a manual clock with timers the test moves (no sleeps), inputs whose
// level the test sets, and relays that keep pulses and holds the way PinRelay does.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Buzzer, BuzzerPattern, Clock, DeviceHealth, Input, InputKind, Relay } from '../../devices/types.ts'
import { GateControl, type GateControlDeps } from '../../gateway/gate/control.ts'
import type { Timers } from '../../gateway/gate/door.ts'
import type { GateState } from '../../gateway/gate/types.ts'
import { Store } from '../../gateway/store/store.ts'

export class ManualTime implements Clock, Timers {
  t = 1000
  readonly wall0 = Date.parse('2026-12-05T02:00:00Z')
  private seq = 0
  private queue: { at: number; fn: () => void; id: number }[] = []
  now = (): number => this.wall0 + this.t
  mono = (): number => this.t
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.queue.push({ at: this.t + ms, fn, id })
    return id
  }
  clear(h: unknown): void {
    this.queue = this.queue.filter((q) => q.id !== h)
  }
  /** Moves time on, running each timer at its time, in order. */
  advance(ms: number): void {
    const target = this.t + ms
    for (;;) {
      const due = this.queue.filter((q) => q.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.queue = this.queue.filter((q) => q !== due)
      this.t = Math.max(this.t, due.at)
      due.fn()
    }
    this.t = target
  }
}

const health = (name: string, kind: DeviceHealth['kind']): DeviceHealth => ({
  name,
  kind,
  driver: 'fake',
  online: true,
  lastSeen: null,
  since: 0,
  counters: {},
  info: {},
  lastError: null,
})

export class FakeInput implements Input {
  readonly kind = 'input' as const
  active: boolean | null = null
  private readonly changes = new Set<(active: boolean, mono: number) => void>()
  private readonly healths = new Set<(h: DeviceHealth) => void>()
  constructor(
    readonly name: string,
    readonly inputKind: InputKind,
    private readonly time: ManualTime,
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): DeviceHealth {
    return health(this.name, 'input')
  }
  onHealth(l: (h: DeviceHealth) => void): () => void {
    this.healths.add(l)
    return () => this.healths.delete(l)
  }
  onChange(l: (active: boolean, mono: number) => void): () => void {
    this.changes.add(l)
    return () => this.changes.delete(l)
  }
  /** The first read after start: no change event, as the contract says (the gate finds it by itself). */
  firstRead(active: boolean): void {
    this.active = active
    for (const l of this.healths) l(this.health())
  }
  set(active: boolean): void {
    if (this.active === active) return
    const first = this.active === null
    this.active = active
    if (!first) for (const l of this.changes) l(active, this.time.mono())
  }
}

export class FakeRelay implements Relay {
  readonly kind = 'relay' as const
  direction: 'in' | 'out' | 'both' | 'none' = 'both'
  held = false
  pulsing = false
  fail = false
  readonly log: string[] = []
  private off: unknown = null
  private readonly actuated = new Set<(mono: number) => void>()
  constructor(
    readonly name: string,
    private readonly time: ManualTime,
    readonly pulseMs = 1000,
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): DeviceHealth {
    return { ...health(this.name, 'relay'), lastError: this.fail ? 'EIO' : null }
  }
  onHealth(): () => void {
    return () => {}
  }
  get isOpen(): boolean {
    return this.held || this.pulsing
  }
  pulse(ms = this.pulseMs): boolean {
    if (this.fail) return false
    this.pulsing = true
    this.log.push(`pulse@${this.time.mono()}`)
    for (const l of this.actuated) l(this.time.mono())
    if (this.off !== null) this.time.clear(this.off)
    this.off = this.time.set(() => {
      this.off = null
      this.pulsing = false
    }, ms)
    return true
  }
  hold(open: boolean): boolean {
    if (this.fail) return false
    this.held = open
    this.log.push(`hold ${open}@${this.time.mono()}`)
    if (open) for (const l of this.actuated) l(this.time.mono())
    return true
  }
  onActuate(l: (mono: number) => void): () => void {
    this.actuated.add(l)
    return () => this.actuated.delete(l)
  }
}

export class FakeBuzzer implements Buzzer {
  readonly kind = 'buzzer' as const
  readonly name = 'buzzer'
  readonly played: BuzzerPattern[] = []
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): DeviceHealth {
    return health(this.name, 'buzzer')
  }
  onHealth(): () => void {
    return () => {}
  }
  play(p: BuzzerPattern): void {
    this.played.push(p)
  }
}

export interface GateRig {
  time: ManualTime
  store: Store
  gate: GateControl
  relays: FakeRelay[]
  inputs: Record<string, FakeInput>
  buzzer: FakeBuzzer
  exits: string[]
  states: GateState[]
  /** The alerts queued so far (outbox data), in order. */
  alerts(): Record<string, unknown>[]
  /** Stops this control and starts another on the same store (a restart). */
  restart(o?: Partial<RigOptions>): GateRig
}

export interface RigOptions {
  heldOpenSec: number
  fireLatch: boolean
  inputs: [string, InputKind][]
  /** Relays: name and fireRelease. */
  relays: [string, boolean][]
  store: Store
}

export function gateRig(o: Partial<RigOptions> = {}): GateRig {
  const opts: RigOptions = {
    heldOpenSec: 30,
    fireLatch: false,
    inputs: [
      ['door', 'door-contact'],
      ['fire-alarm', 'fire-alarm'],
      ['exit', 'exit-button'],
      ['tamper', 'tamper'],
    ],
    relays: [['gate', true]],
    store: o.store ?? new Store(join(mkdtempSync(join(tmpdir(), 'estate-gate-gatectl-')), 'g.db'), { synchronous: 'normal' }),
    ...o,
  }
  const time = new ManualTime()
  const relays = opts.relays.map(([n]) => new FakeRelay(n, time))
  const inputs = Object.fromEntries(opts.inputs.map(([n, k]) => [n, new FakeInput(n, k, time)]))
  const buzzer = new FakeBuzzer()
  const exits: string[] = []
  const states: GateState[] = []
  const deps: GateControlDeps = {
    settings: () => ({ heldOpenSec: opts.heldOpenSec, fireLatch: opts.fireLatch }),
    relays: relays.map((relay, i) => ({ relay, pulseMs: relay.pulseMs, fireRelease: opts.relays[i]![1] })),
    inputs: Object.values(inputs),
    buzzers: [buzzer],
    store: opts.store,
    clock: time,
    timers: time,
    log: pino({ level: 'silent' }),
    exit: (name) => {
      exits.push(name)
      for (const r of relays) r.pulse()
    },
    onChange: (s) => states.push(s),
  }
  const gate = new GateControl(deps)
  gate.start()
  return {
    time,
    store: opts.store,
    gate,
    relays,
    inputs,
    buzzer,
    exits,
    states,
    alerts: () => opts.store.outboxAfter(0, 1000).filter((m) => m.topic === 'alert').map((m) => JSON.parse(m.data) as Record<string, unknown>),
    restart: (more = {}) => {
      gate.stop()
      return gateRig({ ...opts, ...more, store: opts.store })
    },
  }
}
