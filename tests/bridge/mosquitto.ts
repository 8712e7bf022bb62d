// The mosquitto helper lives in cloud-bridge/ because the drain bench needs it too.
export { Mosquitto, freePort, type MosquittoOptions } from '../../cloud-bridge/mosquitto.ts'
