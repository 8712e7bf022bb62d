// The composition root: builds every part from the config, starts them in order and stops them in reverse.
import { createHash, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { defaultLevelFile } from '../devices/inputs/simulated.ts'
import { createBuzzer, createInput, createRelay, createScanner, createThermometer } from '../devices/registry.ts'
import { CloudBridge } from '../cloud-bridge/bridge.ts'
import { eventSource, gatePrefix } from '../cloud-bridge/envelope.ts'
import { mirrorOutbox } from '../cloud-bridge/mirror.ts'
import { systemClock, type Buzzer, type Clock, type Device, type DeviceContext, type DeviceHealth, type Input, type Relay, type Scanner, type Thermometer } from '../devices/types.ts'
import { validateConfig } from './config/load.ts'
import { preflight } from './config/preflight.ts'
import { changedKeys, deepMerge, readOverrides, splitLive, writeOverrides } from './config/overrides.ts'
import type { GatewayConfig } from './config/schema.ts'
import { TypedBus } from './events.ts'
import { deviceComponent, overallStatus, type Component, type HealthReport, type HealthView } from './health.ts'
import { startHttp, type HttpServer } from './http.ts'
import { codeHash, newSiteSecret } from './passes/codeHash.ts'
import { createPassVerifier, type PassVerifier } from './passes/verify.ts'
import { EntryPipeline, type PipelineEvents } from './pipeline/pipeline.ts'
import { handleRequest, type ConfigOrigin, type RequestContext, type SetConfigResult } from './requests.ts'
import { redact } from './config/redact.ts'
import { Store } from './store/store.ts'
import { Summarizer } from './summaries.ts'
import { DiskWatch } from './diskWatch.ts'
import { newBridgeUser, startLocalBroker, type LocalBroker } from './broker/broker.ts'
import { createClockTrust } from './time.ts'
import { systemAlertMessage, type SystemAlert } from './alerts.ts'
import { Retention } from './retention.ts'
import { ClockWatch } from './clockWatch.ts'
import { ManualTemperatureDesk } from './kiosk/manualTemperature.ts'
import type { LogRing } from './logger.ts'
import { TaskScheduler, type TaskChange } from './schedules/scheduler.ts'
import { GateControl } from './gate/control.ts'
import { gatePayload, type GateState } from './gate/types.ts'

export const VERSION = '0.1.0'

export interface GatewayOptions {
  log: Logger
  clock?: Clock
  sleep?: (ms: number) => Promise<void>
  sysfsRoot?: string
  clockTrusted?: () => boolean
  /** Recent log lines for the technicians' page. */
  logRing?: LogRing
  /** Started as the demo (no config file): the staff screen says so, with the demo's PINs. */
  demo?: boolean
  /** How long stop() waits for the steps before the relays' safe state, in all (default 10 s; systemd kills at 90). */
  stopBudgetMs?: number
}

export interface GatewayEvents extends PipelineEvents {
  device: { name: string; online: boolean }
  /** A disinfection or duty-check task fell due, was done, went overdue or was found missed (committed). */
  task: TaskChange
  /** The gate's mode, fire linkage, door or tamper state changed (gateway/gate). */
  gate: GateState
}

export class Gateway {
  readonly bus = new TypedBus<GatewayEvents>()
  readonly bootId = randomUUID()
  readonly startedAt: number
  readonly store: Store
  readonly pipeline: EntryPipeline
  readonly scanners: Scanner[]
  readonly thermometers: Thermometer[]
  readonly relays: Relay[]
  readonly buzzers: Buzzer[]
  /** Door contacts, fire alarm, exit buttons, tamper switches (devices.inputs). */
  readonly inputs: Input[]
  /** Modes, fire linkage, door supervision (gateway/gate). */
  readonly gate: GateControl
  /** Degraded mode: scans waiting for a temperature typed at the kiosk. */
  readonly manualTemperatures: ManualTemperatureDesk
  private readonly verifier: PassVerifier
  private http: HttpServer | null = null
  private broker: LocalBroker | null = null
  private bridge: CloudBridge | null = null
  /** The gate's own topics on the embedded broker when the uplink goes elsewhere (cloud-bridge/mirror.ts). */
  private mirror: CloudBridge | null = null
  private mirrorWake: NodeJS.Immediate | null = null
  private brokerError: string | null = null
  /** The uplink's own account on the embedded broker (random password, made at each start). */
  readonly bridgeUser = newBridgeUser()
  private readonly stopHooks: (() => Promise<void> | void)[] = []
  private stopped = false

  readonly summarizer: Summarizer
  readonly retention: Retention
  private readonly clockWatch: ClockWatch
  readonly disk: DiskWatch
  readonly tasks: TaskScheduler
  private summaryTimer: NodeJS.Timeout | null = null

  private constructor(
    public config: GatewayConfig,
    private readonly opts: GatewayOptions & { clock: Clock },
  ) {
    const { log, clock } = opts
    this.startedAt = clock.now()
    this.store = new Store(join(config.dataDir, 'estate-gate.db'), { synchronous: config.store.synchronous })
    const bootCount = Number(this.store.getMeta('boot_count') ?? '0') + 1
    this.store.setMeta('boot_count', String(bootCount))
    const secret = this.siteSecret()
    const ctx = { clock, log, ...(opts.sysfsRoot ? { sysfsRoot: opts.sysfsRoot } : {}) }
    const d = config.devices
    this.scanners = d.scanners.map((c) => createScanner(c, ctx))
    this.thermometers = d.thermometers.map((c) => createThermometer(c, ctx))
    this.relays = d.relays.map((c) => createRelay(c, ctx))
    this.buzzers = d.buzzers.map((c) => createBuzzer(c, ctx))
    this.inputs = createInputs(config, ctx)
    this.bus.onListenerError((err) => log.error({ err }, 'event listener failed'))
    this.bus.on('prompt', (prompt) => log.info({ prompt }, 'prompt'))

    this.verifier = createPassVerifier({
      issuers: config.passes.issuers,
      clock,
      clockToleranceSec: config.passes.clockToleranceSec,
      audience: { siteId: config.site.id, gateId: config.gate.id },
    })
    const policyVersion = policyHash(config)
    this.manualTemperatures = new ManualTemperatureDesk(() => clock.now())
    this.pipeline = new EntryPipeline({
      gateId: config.gate.id,
      timeZone: config.site.timezone,
      rules: config.rules,
      policyVersion,
      bootId: this.bootId,
      clock,
      sleep: opts.sleep ?? ((ms) => sleep(ms)),
      clockTrusted: opts.clockTrusted ?? createClockTrust(clock.now),
      verifier: this.verifier,
      codeHash: (text) => codeHash(secret, text),
      store: this.store,
      thermometers: this.thermometers,
      relays: this.relays,
      buzzers: this.buzzers,
      bus: this.bus,
      log: log.child({ module: 'gateway/pipeline' }),
      manualTemperature: (scanner, ms) => this.manualTemperatures.wait(scanner, ms),
      gate: { blocksAdmit: () => this.gate.blocksAdmit() },
    })
    this.gate = new GateControl({
      settings: () => this.config.gate,
      relays: this.relays.map((relay, i) => ({ relay, pulseMs: d.relays[i]!.pulseMs, fireRelease: d.relays[i]!.fireRelease })),
      inputs: this.inputs,
      buzzers: this.buzzers,
      store: this.store,
      clock,
      log: log.child({ module: 'gateway/gate' }),
      exit: (input) => void this.pipeline.exitButton(input),
      onChange: (state) => {
        this.bus.emit('gate', state)
        for (const p of [this.bridge, this.mirror]) p?.publishGate(gatePayload(state, this.opts.clock.now()))
      },
      onQueued: () => this.wakeUplink(),
    })
    this.disk = new DiskWatch({ path: config.dataDir, store: this.store, clock, log: log.child({ module: 'gateway/disk' }), onAlert: () => this.wakeUplink() })
    this.retention = new Retention({
      store: this.store,
      timeZone: config.site.timezone,
      days: () => this.config.retention.days,
      clock,
      log: log.child({ module: 'gateway/retention' }),
    })
    // A wall-clock step (NTP's first sync without an RTC) runs the wall-clock work at once: tasks that fell due in
    // the gap are raised now, summaries of the hours skipped are queued now.
    this.clockWatch = new ClockWatch(clock, (step) => {
      log.warn({ deltaMs: step.deltaMs, from: new Date(step.from).toISOString(), to: new Date(step.to).toISOString() }, 'the wall clock was stepped')
      if (this.summaryTimer) this.minutely()
    })
    this.summarizer = new Summarizer({
      store: this.store,
      timeZone: config.site.timezone,
      clock,
      log: log.child({ module: 'gateway/summaries' }),
      onQueued: () => this.wakeUplink(),
    })
    this.tasks = new TaskScheduler({
      store: this.store,
      schedules: config.schedules,
      timeZone: config.site.timezone,
      clock,
      log: log.child({ module: 'gateway/schedules' }),
      onChange: (change) => {
        this.bus.emit('task', change)
        this.wakeUplink()
      },
    })
    log.info({ bootId: this.bootId, bootCount, policyVersion, site: config.site.id, gate: config.gate.id }, 'gateway starting')
    const rec = this.store.recovery
    if (rec) {
      log.error({ recovery: rec }, 'the database was corrupt: set aside and rebuilt from what could be read')
      const lost = Object.values(rec.unreadable).reduce((a, b) => a + b, 0)
      this.queueAlert({
        kind: 'store_recovered',
        severity: 'critical',
        message: `database corrupt (${rec.error}); kept as ${rec.keptAs}; ${lost} unreadable rows; seq continues after ${rec.seqFloor}`,
        ...rec,
      })
    }
    if (config.passes.issuers.length === 0) log.warn('passes.issuers is empty: every pass will be refused as bad_signature')
  }

  static async start(config: GatewayConfig, opts: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(config, { ...opts, clock: opts.clock ?? systemClock })
    try {
      await gw.startParts()
    } catch (err) {
      await gw.stop()
      throw err
    }
    return gw
  }

  get devices(): Device[] {
    return [...this.scanners, ...this.thermometers, ...this.relays, ...this.buzzers, ...this.inputs]
  }

  /** The kiosk's HTTP address once listening. */
  get url(): string | null {
    return this.http?.url ?? null
  }

  /** The HTTP server (tests use its inject()). */
  get httpServer(): HttpServer | null {
    return this.http
  }

  /** The injected clock (sessions, lockouts and kiosk records use it, so tests can move time). */
  get clock(): Clock {
    return this.opts.clock
  }

  get logRing(): LogRing | null {
    return this.opts.logRing ?? null
  }

  /** Whether this is the demo (no config file), not a configured site (which may run the simulated crowd too). */
  get demo(): boolean {
    return this.opts.demo === true
  }

  /** Something was queued outside a decision (a kiosk event): tell the uplink not to wait for its next poll. */
  wakeUplink(): void {
    this.bridge?.wake()
    this.wakeMirror()
  }

  /** The mirror reads the outbox a task later: never inside a decision, and once for a burst of commits. */
  private wakeMirror(): void {
    if (!this.mirror || this.mirrorWake) return
    this.mirrorWake = setImmediate(() => {
      this.mirrorWake = null
      this.mirror?.wake()
    })
  }

  /** Called on stop, in reverse order of registration (the crowd, later the bridge and the broker). */
  onStop(hook: () => Promise<void> | void): void {
    this.stopHooks.push(hook)
  }

  private async startParts(): Promise<void> {
    const { log } = this.opts
    // Load the issuer keys and warm the crypto now, so the first person at the gate does not pay for it.
    await this.verifier.ready()
    const lastOfflineAlert = new Map<string, number>()
    for (const dev of this.devices) {
      dev.onHealth((h) => {
        log.info({ device: h.name, online: h.online, lastError: h.lastError }, h.online ? 'device online' : 'device offline')
        this.bus.emit('device', { name: h.name, online: h.online })
        // A loose cable flaps: one alert per device per 10 minutes; P/device/{name} carries every change. A stop
        // takes every device offline on purpose: the platform learns of it from P/status (retained offline, or the
        // will after a crash), not from one device_offline per device.
        const mono = this.opts.clock.mono()
        if (h.online || this.stopped || mono - (lastOfflineAlert.get(h.name) ?? -Infinity) < 600_000) return
        lastOfflineAlert.set(h.name, mono)
        this.queueAlert({ kind: 'device_offline', severity: 'warning', message: `${h.kind} ${h.name} went offline: ${h.lastError ?? 'no reason given'}`, device: h.name })
      })
    }
    if (this.config.localBroker.enabled) await this.startBroker()
    this.startBridge()
    // Outputs first, in their safe state, so that no decision can reach a relay that is not ready.
    await Promise.all([...this.relays, ...this.buzzers].map((d) => d.start()))
    // The gate's mode and a fire hold kept from before the restart go on the relays now, before any input is read.
    this.gate.start()
    this.stopHooks.push(() => this.gate.stop())
    await Promise.all([...this.thermometers, ...this.scanners, ...this.inputs].map((d) => d.start()))
    for (const s of this.scanners) this.stopHooks.push(this.pipeline.attach(s))
    // Summaries for the hours missed while off now, then each minute: catching up is idempotent and survives
    // wall-clock jumps (it works from what was recorded, not from timers that fire at wall-clock times).
    this.minutely()
    this.summaryTimer = setInterval(() => this.minutely(), 60_000)
    this.summaryTimer.unref()
    this.clockWatch.start()
    // Besides the minutely pass, a timer to the next occurrence: a task due at 09:00 goes out at 09:00:00.
    this.tasks.start()
    this.http = await startHttp(this, this.config.kiosk, log.child({ module: 'gateway/http' }))
    log.info({ url: this.http.url, status: this.health().status }, 'gateway ready')
  }

  /**
   * `public` (the default; GET /healthz, which anyone who reaches the kiosk port reads): no figure that a message for
   * the platform alone moves. A duress login queues the silent `duress` alert (Store.enqueueUnlisted); the outbox's
   * seqs and the uplink's sent and acknowledged counts would grow by one more than for an ordinary login, there for
   * the person forcing the guard to see. So the outbox is shown as the gate itself counts it (localBacklog) and the
   * running counts are left out. `full` (the tech pages, behind the tech PIN) has them all.
   */
  health(view: HealthView = 'public'): HealthReport {
    const components: Record<string, Component> = {}
    for (const dev of this.devices) components[dev.name] = { ...deviceComponent(dev.health()), ...(dev.kind === 'relay' ? this.gate.relayInfo(dev.name) : {}) }
    const others: Record<string, Component> = {
      store: this.storeComponent(view),
      localBroker: this.brokerComponent(),
      uplink: this.uplinkComponent(view),
    }
    Object.assign(components, others)
    return { status: overallStatus(this.devices, others), components }
  }

  private storeComponent(view: HealthView): Component {
    try {
      const disk = this.disk.last
      const full = disk !== null && disk.usedRatio >= 0.95
      return {
        status: this.pipeline.counters.storeErrors > 0 || full ? 'degraded' : 'ok',
        // firstSeq too would tell: with nothing else waiting, it is the duress alert's.
        ...(view === 'full' ? { backlog: this.store.outboxBacklog(), lastSeq: this.store.lastSeq() } : { backlog: { count: this.store.localBacklog().count } }),
        errors: this.pipeline.counters.storeErrors,
        disk: disk && { usedPercent: Math.round(disk.usedRatio * 100), freeBytes: disk.freeBytes },
      }
    } catch (err) {
      return { status: 'down', error: (err as Error).message }
    }
  }

  /** An alert that is not about a decision (device, disk): straight into the outbox. */
  private queueAlert(data: SystemAlert): void {
    const now = this.opts.clock.now()
    try {
      this.store.enqueue([systemAlertMessage(data, now)], now)
      this.wakeUplink()
    } catch (err) {
      this.opts.log.error({ err, alert: data.kind }, 'could not queue an alert')
    }
  }

  /** The uplink's MQTT client id, at the central broker and the embedded one. */
  get bridgeClientId(): string {
    return `estate-gate-${this.config.site.id}-${this.config.gate.id}`
  }

  /** The local mirror's client id on the embedded broker (beside a central uplink). */
  get mirrorClientId(): string {
    return `${this.bridgeClientId}-local`
  }

  /** The topic prefix P of DESIGN section 7 (checked level by level: no wildcard, no empty level). */
  get prefix(): string {
    return gatePrefix(this.config.central.baseTopic, this.config.site.id, this.config.gate.id)
  }

  /** Local displays and devices are a convenience: if the broker cannot start, the gate still decides. */
  private async startBroker(): Promise<void> {
    const lb = this.config.localBroker
    const { log } = this.opts // startLocalBroker adds its module and logs "local broker listening" itself
    try {
      // The uplink's and the mirror's client ids are reserved before the broker listens: a display cannot squat them
      // during a restart.
      const bridge = { ...this.bridgeUser, clientIds: [this.bridgeClientId, this.mirrorClientId] }
      this.broker = await startLocalBroker({ host: lb.host, port: lb.port, users: lb.users, prefix: this.prefix, log, internalUsers: [bridge] })
    } catch (err) {
      this.brokerError = (err as Error).message
      log.error({ module: 'gateway/broker', err }, 'local broker could not start; the gate runs without it')
    }
  }

  /**
   * The uplink: to central.url, or to the embedded broker when none is set (so the demo needs no other software).
   * It drains the outbox; the pipeline only wakes it after each commit.
   */
  private startBridge(): void {
    const c = this.config.central
    const embedded = !c.url
    const url = c.url ?? this.broker?.url
    if (!url) return
    const { site, gate } = this.config
    const requests = this.requestContext()
    const bridge = new CloudBridge({
      url,
      ...(embedded
        ? { username: this.bridgeUser.username, password: this.bridgeUser.password }
        : { ...(c.username ? { username: c.username } : {}), ...(c.password ? { password: c.password } : {}) }),
      ...(c.ca ? { caFile: c.ca } : {}),
      ...(c.cert ? { certFile: c.cert } : {}),
      ...(c.key ? { keyFile: c.key } : {}),
      // aedes speaks 3.1.1 only (DEPENDENCIES §2); a central broker gets MQTT 5.
      protocolVersion: embedded ? 4 : 5,
      backoff: { initialMs: c.reconnectMinMs, maxMs: Math.max(c.reconnectMinMs, c.reconnectMaxMs) },
      clientId: this.bridgeClientId,
      prefix: this.prefix,
      source: eventSource(site.id, gate.id),
      bootId: this.bootId,
      version: VERSION,
      outbox: this.store,
      clock: this.opts.clock,
      log: this.opts.log.child({ module: 'cloud-bridge' }),
      onRequest: (command, payload, meta) => handleRequest(command, payload, requests, meta),
    })
    this.bridge = bridge
    this.stopHooks.push(this.bus.on('decision', () => this.wakeUplink()))
    this.startPublisher(bridge)
    if (!embedded && this.broker) this.startMirror(this.broker.url)
  }

  /** Device health (retained, re-published at each connection) and the stop, for the uplink and the mirror. */
  private startPublisher(p: CloudBridge): void {
    for (const d of this.devices) {
      p.publishDevice(d.name, devicePayload(d.health()))
      this.stopHooks.push(d.onHealth((h) => p.publishDevice(h.name, devicePayload(h))))
    }
    p.publishGate(gatePayload(this.gate.state(), this.opts.clock.now()))
    p.start()
    this.stopHooks.push(() => p.stop())
  }

  /**
   * With a central broker, local displays still get the gate's own topics on the embedded broker: a second
   * publisher over MQTT 3.1.1 with the internal user, reading the outbox without ever acknowledging it, so that the
   * uplink alone owns order and delivery and never waits for it. It takes no requests.
   */
  private startMirror(url: string): void {
    const { site, gate } = this.config
    const mirror = new CloudBridge({
      url,
      username: this.bridgeUser.username,
      password: this.bridgeUser.password,
      protocolVersion: 4,
      backoff: { initialMs: 200, maxMs: 5000 },
      clientId: this.mirrorClientId,
      prefix: this.prefix,
      source: eventSource(site.id, gate.id),
      bootId: this.bootId,
      version: VERSION,
      outbox: mirrorOutbox(this.store, { retained: () => this.summarizer.lastQueued() }),
      clock: this.opts.clock,
      log: this.opts.log.child({ module: 'cloud-bridge/mirror' }),
    })
    this.mirror = mirror
    this.startPublisher(mirror)
    this.stopHooks.push(() => {
      if (this.mirrorWake) clearImmediate(this.mirrorWake)
      this.mirrorWake = null
    })
  }

  private uplinkComponent(view: HealthView): Component {
    if (!this.bridge) return this.config.central.url || this.config.localBroker.enabled ? { status: 'down', error: 'no broker to connect to' } : { status: 'disabled' }
    const st = this.bridge.status()
    const head = { status: st.connected ? 'ok' : 'degraded', url: redactUrl(this.config.central.url ?? this.broker?.url ?? '') } as const
    if (view === 'full') return { ...head, ...st }
    // What the uplink is doing, without its running counts (in flight, sent, acknowledged, last acknowledged seq): each
    // moves with the duress alert. The backlog is what waits as the gate itself counts it (in flight included).
    const { connected, refused, reconnects, protocolVersion, window, lastError } = st
    return { ...head, connected, backlog: this.store.localBacklog().count, refused, reconnects, protocolVersion, window, lastError }
  }

  /** The embedded broker's address, once listening. */
  get localBrokerUrl(): string | null {
    return this.broker?.url ?? null
  }

  private brokerComponent(): Component {
    if (!this.config.localBroker.enabled) return { status: 'disabled' }
    if (!this.broker) return { status: 'down', error: this.brokerError }
    const mirror = this.mirror?.status()
    return { status: 'ok', url: this.broker.url, ...this.broker.stats(), ...(mirror ? { mirror: { connected: mirror.connected, lastError: mirror.lastError } } : {}) }
  }

  private minutely(): void {
    this.disk.check()
    // Counters change all the time; their retained copy upstream is refreshed once a minute.
    for (const p of [this.bridge, this.mirror]) {
      for (const d of this.devices) p?.publishDevice(d.name, devicePayload(d.health()))
      p?.refreshStatus()
    }
    // Tasks before summaries: a day summary counts what the evaluation just found missed or overdue.
    this.tasks.tick()
    try {
      this.summarizer.catchUp()
    } catch (err) {
      this.opts.log.error({ err }, 'summaries failed; retrying in a minute')
    }
    // After the summaries: a day's rows go only once its summary (with the counts) is kept.
    this.retention.maybeRun().catch((err: unknown) => this.opts.log.error({ err }, 'retention failed; retrying in a minute'))
  }

  /**
   * config/set and /tech: validated by the schema, persisted in dataDir, recorded (a config_changes row and a
   * config_changed alert, secrets masked), rules applied at once, the rest after a restart. What the platform may
   * change at all is checked before (gateway/config/remote.ts); a change that changes nothing writes nothing.
   */
  setConfig(patch: Record<string, unknown>, origin: ConfigOrigin): SetConfigResult {
    const res = validateConfig(deepMerge(this.config, patch))
    if (!res.ok) return { ok: false, errors: res.errors }
    // What start checks beyond the schema too (TLS files readable and matching, dataDir): a change kept in
    // config-overrides.json that the next start would refuse (exit 2, no gate) is refused now, by key.
    const unusable = preflight(res.config)
    if (unusable.length > 0) return { ok: false, errors: unusable }
    const changed = changedKeys(this.config, res.config)
    const split = splitLive(changed)
    if (changed.length === 0) return { ok: true, ...split }
    const now = this.opts.clock.now()
    // Masked under its own name, so that kiosk.staffPins or central.password is [REDACTED] like in config/get.
    const masked = (c: GatewayConfig): Record<string, unknown> =>
      Object.fromEntries(changed.map((k) => [k, (redact({ [k.split('.').at(-1)!]: valueAt(c, k) }) as Record<string, unknown>)[k.split('.').at(-1)!] ?? null]))
    const old = masked(this.config)
    const next = masked(res.config)
    const who = origin.via === 'kiosk' ? `technician ${origin.staff} at the kiosk` : `the platform (request ${origin.requestId})`
    const alert = systemAlertMessage(
      {
        kind: 'config_changed',
        severity: 'warning',
        message: `configuration changed by ${who}: ${changed.join(', ')}`,
        via: origin.via,
        ...(origin.via === 'kiosk' ? { staff: origin.staff } : { requestId: origin.requestId }),
        keys: changed,
        old,
        new: next,
      },
      now,
    )
    const record = {
      ts: now,
      via: origin.via,
      staff: origin.via === 'kiosk' ? origin.staff : null,
      requestId: origin.via === 'platform' ? origin.requestId : null,
      keys: changed,
      old,
      new: next,
    }
    this.store.recordConfigChange(record, alert, () =>
      writeOverrides(this.config.dataDir, deepMerge(readOverrides(this.config.dataDir) ?? {}, patch) as Record<string, unknown>),
    )
    if (split.applied.length > 0) this.pipeline.setPolicy(res.config.rules, policyHash(res.config))
    this.config = res.config
    this.bridge?.wake()
    this.opts.log.info({ ...split, via: origin.via, policyVersion: this.pipeline.policyVersion }, 'configuration changed')
    return { ok: true, ...split }
  }

  /** What the request handlers (gateway/requests.ts) may touch. */
  requestContext(): RequestContext {
    return {
      store: this.store,
      clock: this.opts.clock,
      log: this.opts.log.child({ module: 'gateway/requests' }),
      config: () => this.config,
      topic: (command) => `${this.prefix}/request/${command}`,
      setConfig: (patch, origin) => this.setConfig(patch, origin),
      openGate: (o) => this.pipeline.override({ direction: o.direction, staff: o.staff, reason: o.reason, detail: { requestId: o.requestId, via: 'platform' } }),
      setGateMode: (o) => this.gate.setMode(o.mode, { via: 'platform', staff: o.staff, reason: o.reason, requestId: o.requestId }),
      resendSummaries: (from, to) => this.summarizer.resendDays(from, to),
      tasks: () => this.tasks.list(),
    }
  }

  /**
   * Never throws: each step runs on its own, a failure is logged and the next step runs, so that the relays'
   * safe state and then the store's close are always reached, in that order. Never hangs either: the steps before
   * the safe state share a budget (a hook that never settles is left behind, logged), and each device gets 5 s.
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const { log } = this.opts
    const until = performance.now() + (this.opts.stopBudgetMs ?? 10_000)
    const step = async (name: string, fn: () => unknown, withinMs = until - performance.now()): Promise<void> => {
      let timer: NodeJS.Timeout | undefined
      let late = false
      const run = Promise.resolve().then(fn)
      try {
        const bound = Number.isFinite(withinMs) ? new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, withinMs)))) : null
        const done = await (bound ? Promise.race([run.then(() => true), bound]) : run.then(() => true))
        if (!done) {
          late = true
          log.error({ step: name, waitedMs: Math.round(Math.max(0, withinMs)) }, 'stop step did not finish in time; going on')
        }
      } catch (err) {
        log.error({ err, step: name }, 'stop step failed; going on')
      } finally {
        clearTimeout(timer)
      }
      // A step left behind may still fail: logged, never an unhandled rejection.
      if (late) run.catch((err: unknown) => log.error({ err, step: name }, 'stop step failed after it was left behind'))
    }
    await step('timers', () => {
      if (this.summaryTimer) clearInterval(this.summaryTimer)
      this.clockWatch.stop()
      this.tasks.stop()
    })
    for (const hook of this.stopHooks.reverse()) await step('stop hook', hook)
    await step('manual temperatures', () => this.manualTemperatures.cancelAll())
    await step('http', () => this.http?.close())
    await step('local broker', () => this.broker?.close())
    // Let a person already being decided finish (bounded: a re-check may be sleeping).
    await step('pipeline', () => Promise.race([this.pipeline.idle(), sleep(3000)]))
    // Devices after the pipeline: relays off and released (the safe state), then the store that logged them.
    await Promise.all(this.devices.map((d) => step(`device ${d.name}`, () => d.stop(), 5000)))
    await step('store', () => this.store.close(), Infinity)
    log.info({ bootId: this.bootId }, 'gateway stopped')
  }

  /** Per-site key for hashing codes that are not passes; made once, kept in the database. */
  private siteSecret(): Buffer {
    const hex = this.store.getMeta('site_secret')
    if (hex) return Buffer.from(hex, 'hex')
    const secret = newSiteSecret()
    this.store.setMeta('site_secret', secret.toString('hex'))
    return secret
  }
}

/**
 * devices.inputs. A simulated input without levelFile reads {dataDir}/inputs/{name}.level (the gateway knows dataDir;
 * devices/ does not).
 */
function createInputs(config: GatewayConfig, ctx: DeviceContext): Input[] {
  return config.devices.inputs.map((c) =>
    createInput(c.driver === 'simulated' && c.levelFile === undefined ? { ...c, levelFile: defaultLevelFile(config.dataDir, c.name) } : c, ctx),
  )
}

/** P/device/{name} (docs/asyncapi.yaml DeviceHealth). */
export function devicePayload(h: DeviceHealth): Record<string, unknown> {
  const { status: _status, ...rest } = deviceComponent(h)
  return { name: h.name, ...rest }
}

/** Credentials in a broker URL are never shown. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[REDACTED]@')
}

/** The value at a dotted key of changedKeys (`rules.feverC`, `schedules`). */
function valueAt(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), config)
}

/** A short hash of the rules in force, recorded with every decision so it can be explained later. */
export function policyHash(config: GatewayConfig): string {
  const policy = { rules: config.rules, gate: config.gate.id, issuers: config.passes.issuers.map((i) => i.kid) }
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 12)
}
