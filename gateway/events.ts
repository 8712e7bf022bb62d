// A tiny typed event bus: the pipeline tells the kiosk, the uplink and tests what happened, without knowing them.
import { EventEmitter } from 'node:events'

export class TypedBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly ee = new EventEmitter()

  constructor() {
    // The kiosk may hold one listener per open screen.
    this.ee.setMaxListeners(100)
  }

  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.ee.on(event, listener)
    return () => this.ee.off(event, listener)
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    // A faulty listener must never stop the gate: report it and go on.
    for (const l of this.ee.listeners(event)) {
      try {
        ;(l as (p: Events[K]) => void)(payload)
      } catch (err) {
        this.ee.emit('listenerError', err)
      }
    }
  }

  onListenerError(listener: (err: unknown) => void): void {
    this.ee.on('listenerError', listener)
  }
}
