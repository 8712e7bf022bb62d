// aedes has no maximum packet size: its parser buffers a packet until the length its header announces
// (up to 256 MiB) has arrived, before CONNECT is even authenticated. On a Pi a few such connections exhaust
// memory, so every connection goes through this guard, which reads only the MQTT fixed headers
// (MQTT 3.1.1 section 2.2) and cuts the connection as soon as a header announces more than the limit.
import { Duplex, Transform, pipeline, type TransformCallback } from 'node:stream'
import type { Socket } from 'node:net'

export class PacketTooLarge extends Error {}

/** A Transform that passes bytes through unchanged while following packet boundaries. */
export function packetSizeGuard(maxBytes: number): Transform {
  let state: 'type' | 'length' | 'body' = 'type'
  let length = 0
  let multiplier = 1
  let remaining = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      let i = 0
      while (i < chunk.length) {
        if (state === 'type') {
          state = 'length'
          length = 0
          multiplier = 1
          i++
        } else if (state === 'length') {
          const byte = chunk[i++] ?? 0
          length += (byte & 0x7f) * multiplier
          multiplier *= 128
          if (length > maxBytes) return cb(new PacketTooLarge(`MQTT packet of ${length}+ bytes: expected at most ${maxBytes}`))
          if (byte & 0x80) {
            if (multiplier > 128 ** 3) return cb(new PacketTooLarge('malformed remaining length: expected at most 4 bytes'))
          } else if (length === 0) state = 'type'
          else ((state = 'body'), (remaining = length))
        } else {
          const take = Math.min(remaining, chunk.length - i)
          i += take
          remaining -= take
          if (remaining === 0) state = 'type'
        }
      }
      cb(null, chunk)
    },
  })
}

/** The socket for aedes, reading through the guard and writing straight to the socket. */
export function guardedConnection(socket: Socket, maxBytes: number, onTooLarge: (err: Error) => void): Duplex {
  const guard = packetSizeGuard(maxBytes)
  // pipeline, not pipe: a reset socket must end the guard (and so the aedes client), and a guard error the socket.
  pipeline(socket, guard, (err) => {
    if (err instanceof PacketTooLarge) onTooLarge(err)
  })
  return Duplex.from({ readable: guard, writable: socket })
}
