// The fleet report as a person reads it at the end of `npm run fleet`.
import type { Percentiles } from './check.ts'
import type { FleetReport, RoleResources } from './fleet.ts'

export function formatReport(r: FleetReport): string {
  const c = r.config
  const d = r.delivery
  const lat = (p: Percentiles): string => (p.count === 0 ? 'none' : `p50 ${p.p50} ms, p90 ${p.p90} ms, p99 ${p.p99} ms, max ${p.max} ms (${p.count})`)
  const res = (name: string, x: RoleResources): string =>
    `  ${name.padEnd(10)} CPU ${x.cpuS} s (${x.cores} cores), ${x.usPerMsg ?? '-'} µs/msg, RSS peak ${x.rssPeakMb} MB`
  const ranges = (rs: { gate: string; from: number; to: number }[]): string =>
    rs.map((x) => `${x.gate} ${x.from === x.to ? x.from : `${x.from}-${x.to}`}`).join(', ')
  const lines = [
    `fleet: ${c.gates} gates, ${r.timing.trafficS} s of traffic at ${c.rate} person/s per gate, ${c.consumers} consumer${c.consumers > 1 ? 's' : ''} (${c.subscription} subscription), ` +
      `summary every ${c.hourMs / 1000} s, synchronous=${c.synchronous}${c.chaos ? ', chaos' : ''}${c.injectLoss ? ', one loss injected' : ''}`,
    `machine: ${r.machine.cores} cores, load average ${r.machine.loadAvg1.start} → ${r.machine.loadAvg1.end}, ` +
      `busy ${r.machine.busyCores ?? '?'} cores during the run, of which ${r.machine.othersCores ?? '?'} not this run`,
    '',
    `enqueued   ${r.traffic.enqueued} messages (${r.traffic.people} people, ${r.traffic.summaries} hourly summaries)`,
    `received   ${d.distinct} distinct from ${d.gatesSeen} gates, ${d.duplicates} duplicates (same id), ${d.historical} historical`,
    `gaps       ${d.gaps.count}${d.gaps.count ? `: ${ranges(d.gaps.ranges)}` : ''}`,
    `lost       ${d.lost.count}${d.lost.count ? `: ${ranges(d.lost.ranges)}` : ''}`,
    `conflicts  ${d.idConflicts} (same id with another seq, or same seq with another id); unexpected ${d.unexpected}; malformed ${r.malformed}`,
    `order      ${d.outOfOrder} first arrivals below an earlier seq of the same gate; ${d.memberOutOfOrder} within one consumer` +
      (c.consumers > 1 ? ' (a shared subscription keeps order per member only)' : ''),
    `throughput ${r.throughput.perS} msg/s end to end (peak second ${r.throughput.peakPerS}); per gate ` +
      `${r.throughput.perGatePerS.min} / ${r.throughput.perGatePerS.median} / ${r.throughput.perGatePerS.max} msg/s (min / median / max)`,
    `latency    enqueue → consumer, live: ${lat(d.latencyMs.live)}`,
    `           all, historical included: ${lat(d.latencyMs.all)}`,
    `members    ${d.perMember.join(' / ')} first arrivals per consumer`,
    `liveness   ${r.liveness.online}/${c.gates} online by retained status, ${r.liveness.offlineMessages} live offline messages (wills), ` +
      `${r.liveness.rebooted} gates seen with a new boot id (${r.liveness.killedGates} killed)`,
    `retained   a dashboard subscribing to everything got ${r.retained.messages} retained messages (${r.retained.byTopic.status} status, ` +
      `${r.retained.byTopic.device} device, ${r.retained.byTopic.summary} summary; ${Math.round(r.retained.bytes / 1024)} KB) in ${r.retained.ms} ms`,
    `bridges    ${r.bridges.sent} publishes, ${r.bridges.acked} PUBACKs, ${r.bridges.reconnects} reconnects`,
    `timing     start ${r.timing.startupMs} ms (open ${c.gates} databases, connect), tail ${r.timing.tailMs} ms after traffic stopped`,
    'resources (traffic start → everything received):',
    res('gates', r.resources.fleet) +
      `, event loop delay beyond its 10 ms sampling p50 ${r.resources.fleet.loopDelayMs.p50} / p99 ${r.resources.fleet.loopDelayMs.p99} / max ${r.resources.fleet.loopDelayMs.max} ms`,
    res('consumer', r.resources.consumer),
    res('mosquitto', r.resources.mosquitto),
  ]
  if (r.chaos.events.length > 0) lines.push('chaos:', ...r.chaos.events.map((e) => `  ${String(e.atS).padStart(6)} s  ${e.what}`))
  lines.push('', r.ok ? 'OK: no gap, no loss' : `FAILED: ${r.failures.join('; ')}`)
  if (d.lost.count > 0 && c.subscription === 'shared' && (c.chaos?.brokerRestarts.length ?? 0) > 0) {
    lines.push(
      'note: mosquitto 2.0.11 does not restore shared subscriptions after a restart: what a gate publishes before a ' +
        'consumer has subscribed again has no subscriber and is dropped by the broker (fleet/README.md). ' +
        '--consumers 1 uses a plain subscription, which the broker keeps.',
    )
  }
  return lines.join('\n')
}
