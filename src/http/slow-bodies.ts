// The request slots bodies still arriving may hold, and the rate they must keep (read.ts SlowBodies).
import type { GatewayConfig } from '../config/schema.js';
import type { SlowBodies } from '../body/read.js';

/**
 * 1,025 bodies at a byte a second once held every in-flight slot for the whole body timeout, so everyone
 * else got 503. Bodies still arriving when their read starts now share at most `max_share` of max_inflight
 * (a client that sends its request at once never takes one of these slots), and are cut after a grace time
 * when their average rate is below the minimum. Settings are read from the configuration in service.
 */
export class SlowBodySlots implements SlowBodies {
  /** Slots held now. */
  held = 0;

  constructor(private readonly server: () => GatewayConfig['server']) {}

  get minBytesPerS(): number {
    return this.server().slow_bodies.min_bytes_per_s;
  }

  get graceMs(): number {
    return this.server().slow_bodies.grace_ms;
  }

  enter(): boolean {
    const s = this.server();
    if (this.held >= Math.max(1, Math.floor(s.max_inflight * s.slow_bodies.max_share))) return false;
    this.held++;
    return true;
  }

  leave(): void {
    this.held--;
  }
}
