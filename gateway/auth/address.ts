// Client addresses as the gate's guards count them (kiosk logins and connections, broker CONNECT failures): one key
// per client, whatever socket family it reached.

/** `::ffff:10.0.0.7` (an IPv4 client of a dual-stack socket) → `10.0.0.7`; IPv6 in lowercase; '' when unknown. */
export function normalizeAddress(a: string | undefined): string {
  if (!a) return ''
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
  return mapped ? mapped[1]! : a.toLowerCase()
}

/** "Is this (normalised) address one of `list`?", the list normalised the same way (kiosk.screenAddresses). */
export function addressIn(list: readonly string[]): (address: string) => boolean {
  const set = new Set(list.map(normalizeAddress))
  return (address) => set.has(address)
}
