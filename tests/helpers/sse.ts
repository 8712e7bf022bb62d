// Server-Sent Events over fetch, as a screen reads the kiosk's live feed: every `event:`/`data:` block of the stream
// handed to `onEvent` as it arrives (data as sent, a JSON string for the kiosk).
export function readSse(res: Response, onEvent: (event: string, data: string) => void): { close(): Promise<void> } {
  const reader = res.body!.getReader()
  let buf = ''
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      buf += Buffer.from(value!).toString('utf8')
      let i
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i)
        buf = buf.slice(i + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event && data) onEvent(event, data)
      }
    }
  })()
  return { close: () => reader.cancel() }
}
