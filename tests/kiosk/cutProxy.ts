// A TCP proxy between a browser and the gateway that a test can cut, as a pulled cable or a crashed network would:
// every open connection (the live feed's among them) is dropped and new ones are refused until it is restored. The
// gateway goes on running and keeps its sessions, as it does when only the screen's connection is lost.
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export class CutProxy {
  private readonly sockets = new Set<Socket>()
  private up = true

  /** Where connections go (`retarget` moves it: the gateway started again on another port). */
  private target = { host: '', port: 0 }

  private constructor(
    private readonly server: Server,
    /** The proxy's address, for the browser (the gateway's Host and Origin checks accept 127.0.0.1 on any port). */
    readonly url: string,
  ) {}

  /** A proxy on a free loopback port in front of `target` (`http://127.0.0.1:PORT`). */
  static async start(target: string): Promise<CutProxy> {
    let proxy: CutProxy | null = null
    const server = createServer((client) => {
      if (!proxy?.up) return void client.destroy()
      const upstream = createConnection(proxy.target)
      for (const s of [client, upstream]) {
        proxy.sockets.add(s)
        s.on('close', () => proxy?.sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream)
      upstream.pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const addr = server.address()
    if (!addr || typeof addr === 'string') throw new Error('the proxy has no port')
    proxy = new CutProxy(server, `http://127.0.0.1:${addr.port}`)
    proxy.retarget(target)
    return proxy
  }

  /** New connections go to `target` from now on (a gateway restarted on another port, behind the same address). */
  retarget(target: string): void {
    const { hostname, port } = new URL(target)
    this.target = { host: hostname, port: Number(port) }
  }

  /** Drops every connection and refuses new ones until `restore()`. */
  cut(): void {
    this.up = false
    for (const s of this.sockets) s.destroy()
  }

  restore(): void {
    this.up = true
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
