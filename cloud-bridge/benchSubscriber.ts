// Child process of the drain bench: subscribes to the gate's events and the bare publisher's topic, checks seq
// order and gaps, and reports over IPC. A separate process so that counting does not slow the publisher measured.
import mqtt from 'mqtt'

interface Args {
  url: string
  prefix: string
  bareTopic: string
  messages: number
}

export interface SubscriberReport {
  distinct: number
  duplicates: number
  outOfOrder: number
  gaps: number
  bare: number
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args
const seen = new Uint8Array(args.messages + 1)
let distinct = 0
let duplicates = 0
let outOfOrder = 0
let maxSeq = 0
let bare = 0
let doneBridge = false
let doneBare = false

const SEQ = Buffer.from('"seq":')

/** The CloudEvent's seq without parsing the whole JSON: the subscriber must cost the machine little. */
function seqOf(payload: Buffer): number {
  let i = payload.indexOf(SEQ)
  if (i < 0) return -1
  let n = 0
  for (i += SEQ.length; i < payload.length; i++) {
    const d = payload[i]! - 48
    if (d < 0 || d > 9) break
    n = n * 10 + d
  }
  return n
}

/** CPU time of this process so far, ms (the bench charges it to the phase that just ended). */
const cpuMs = (): number => {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}

const send = (m: unknown): void => {
  process.send?.(m)
}

const client = mqtt.connect(args.url, { protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 5000 })
client.on('message', (topic, payload) => {
  if (topic === args.bareTopic) {
    if (++bare >= args.messages && !doneBare) {
      doneBare = true
      send({ type: 'done', which: 'bare', cpuMs: cpuMs() })
    }
    return
  }
  if (!topic.startsWith(`${args.prefix}/entry`)) return
  const seq = seqOf(payload)
  if (seq < 1 || seq > args.messages) return
  if (seen[seq]) {
    duplicates++
    return
  }
  seen[seq] = 1
  distinct++
  if (seq < maxSeq) outOfOrder++
  else maxSeq = seq
  if (distinct >= args.messages && !doneBridge) {
    doneBridge = true
    send({ type: 'done', which: 'bridge', cpuMs: cpuMs() })
  }
})
client.on('error', (err) => send({ type: 'error', error: err.message }))
client.on('connect', () => {
  client.subscribe({ [`${args.prefix}/#`]: { qos: 1 }, [args.bareTopic]: { qos: 1 } }, (err) => {
    if (err) send({ type: 'error', error: err.message })
    else send({ type: 'ready', cpuMs: cpuMs() })
  })
})

process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'report') {
    let gaps = 0
    for (let s = 1; s <= args.messages; s++) if (!seen[s]) gaps++
    const report: SubscriberReport = { distinct, duplicates, outOfOrder, gaps, bare }
    send({ type: 'report', report })
  } else if (m.cmd === 'exit') {
    client.end(true, {}, () => process.exit(0))
  }
})
