// Buzzer (drivers `gpio` and `simulated`): named patterns as on/off sequences. A new pattern replaces the one
// playing, so the latest decision is what the person hears.
import type { BuzzerConfig } from '../config.ts'
import type { GpioPin } from '../transport/gpio.ts'
import type { Buzzer, BuzzerPattern, DeviceContext } from '../types.ts'
import { PinDevice, type PinSource } from './pinDevice.ts'

/** Alternating on/off durations in ms, starting with on. Distinct by ear: one chirp, two long, urgent runs. */
export const BUZZER_PATTERNS: Readonly<Record<BuzzerPattern, readonly number[]>> = {
  admit: [120],
  deny: [400, 150, 400],
  remeasure: [100, 100, 100, 100, 100],
  fever: [150, 100, 150, 100, 150, 100, 800],
  alarm: [500, 250, 500, 250, 500, 250, 500, 250, 500, 250, 500],
}

export class PinBuzzer<P extends GpioPin = GpioPin> extends PinDevice<P> implements Buzzer {
  readonly kind = 'buzzer' as const
  private timer: NodeJS.Timeout | null = null
  private playing: BuzzerPattern | null = null

  constructor(cfg: BuzzerConfig, ctx: DeviceContext, pin: PinSource<P>) {
    super(cfg.name, 'buzzer', cfg.driver, ctx, pin, ['plays'])
    Object.assign(this.state.info, { pin: cfg.pin, activeLow: cfg.activeLow, playing: null })
  }

  /** The pattern sounding now, or null. */
  get current(): BuzzerPattern | null {
    return this.playing
  }

  play(pattern: BuzzerPattern): void {
    const steps = BUZZER_PATTERNS[pattern]
    if (!steps) {
      this.log.warn({ pattern }, `unknown pattern; expected one of ${Object.keys(BUZZER_PATTERNS).join(', ')}`)
      return
    }
    this.halt()
    this.state.count('plays')
    this.playing = pattern
    this.state.info.playing = pattern
    this.step(steps, 0)
  }

  protected halt(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.playing) this.write(0)
    this.playing = null
    this.state.info.playing = null
  }

  private step(steps: readonly number[], i: number): void {
    if (i >= steps.length) {
      this.write(0)
      this.playing = null
      this.state.info.playing = null
      return
    }
    if (!this.write(i % 2 === 0 ? 1 : 0)) {
      this.playing = null
      this.state.info.playing = null
      return
    }
    this.timer = setTimeout(() => {
      this.timer = null
      this.step(steps, i + 1)
    }, steps[i])
  }
}
