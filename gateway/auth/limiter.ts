// A bound on expensive checks (scrypt for kiosk PINs and broker passwords). scrypt runs on libuv's thread pool,
// which serial reads share (@serialport/bindings-cpp reads through it): an unbounded burst of checks queues every
// read of the gate's devices behind it. A few checks run at a time, a short queue waits, the rest are refused at
// once. Written here because it is a dozen lines that must refuse synchronously, which p-limit and friends don't.

/** Thrown (as a rejection, at once) when the checks are saturated: the caller answers "busy, try again". */
export class BusyError extends Error {
  readonly code = 'BUSY'
  constructor(what: string) {
    super(`${what}: too many checks at once, try again`)
    this.name = 'BusyError'
  }
}

export interface LimiterStats {
  running: number
  queued: number
  /** Checks refused because the queue was full, since start. */
  refused: number
}

export class Limiter {
  private running = 0
  private readonly queue: (() => void)[] = []
  private refusedCount = 0

  constructor(
    private readonly what: string,
    private readonly concurrency = 1,
    private readonly maxQueue = 4,
  ) {}

  /** Runs `fn` when a slot is free; rejects at once with BusyError when `maxQueue` are already waiting. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency && this.queue.length >= this.maxQueue) {
      this.refusedCount++
      return Promise.reject(new BusyError(this.what))
    }
    return new Promise<T>((resolve, reject) => {
      const go = (): void => {
        this.running++
        fn()
          .then(resolve, reject)
          .finally(() => {
            this.running--
            this.queue.shift()?.()
          })
      }
      if (this.running < this.concurrency) go()
      else this.queue.push(go)
    })
  }

  stats(): LimiterStats {
    return { running: this.running, queued: this.queue.length, refused: this.refusedCount }
  }
}
