// The probing check (module `probe`): counts per client address the requests that matched no route (the
// scanner's 404s), and refuses a client that made `threshold` of them within the window, for a while.
// Counting happens in the log hook (unmatched requests are refused before any check runs); the refusal in
// the connection phase reads a local table that every instance fills through the store's change signal.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import type { Clock } from '../core/clock.js';
import { GatewayError } from '../core/errors.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import { THRESHOLD_COUNT } from '../store/threshold-count.js';
import { parseCidr } from '../net/cidr.js';
import { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';
import type { CheckDeps } from './deps.js';

const BAN_PREFIX = 'probe:ban:';
/** Monitor mode keeps its would-be refusals apart: switching to enforce must not enforce what was only watched. */
const MONITOR_PREFIX = 'probe:mban:';
/** Bounded: a flood of spoofed-looking addresses cannot grow the table without end (oldest dropped first). */
const MAX_BANS = 100_000;

/**
 * Addresses refused for probing, until when (ms). One per store, outliving reloads (a Resource): a reload
 * must not forgive a scanner, and every instance learns another's refusals from the change signal.
 */
export class ProbeBans {
  private readonly until = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly prefix = BAN_PREFIX,
  ) {
    // Keys arrive without the store's own prefix; values are the expiry in ms (a delete reads back null).
    this.unsubscribe = store.onChange((key) => {
      if (!key.startsWith(prefix)) return;
      const ip = key.slice(prefix.length);
      store.get(key).then(
        (v) => (v === null ? void this.until.delete(ip) : this.remember(ip, Number(v))),
        () => undefined, // a store that cannot answer: this instance simply does not learn of it
      );
    });
  }

  private remember(ip: string, expires: number): void {
    if (!Number.isFinite(expires)) return;
    this.until.delete(ip);
    if (this.until.size >= MAX_BANS) this.until.delete(this.until.keys().next().value!);
    this.until.set(ip, expires);
  }

  /** Milliseconds the address stays refused, 0 when it is not. */
  remaining(ip: string): number {
    const t = this.until.get(ip);
    if (t === undefined) return 0;
    const left = t - this.clock.now();
    if (left <= 0) this.until.delete(ip);
    return Math.max(0, left);
  }

  /** Refuses `ip` for ttlMs here at once, and through the store for every instance. */
  async ban(ip: string, ttlMs: number): Promise<void> {
    const expires = this.clock.now() + ttlMs;
    this.remember(ip, expires);
    await this.store.set(`${this.prefix}${ip}`, String(expires), ttlMs);
  }

  close(): void {
    this.unsubscribe();
    this.until.clear();
  }
}

/** Whether the request matched no route and was answered as such (refused, or forwarded and not found). */
function isMiss(ctx: RequestContext): boolean {
  // A browser's CORS preflight to a route that does not list OPTIONS is no probe (docs/cors-tls.md)
  if (ctx.route !== null || ctx.method === 'OPTIONS') return false;
  const reasons = ctx.refusal?.reasons;
  if (reasons !== undefined) return reasons.includes('route:not_found');
  return ctx.status === 404; // unmatched.action: forward, and the upstream did not know the path either
}

export function buildProbingCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.checks.probing;
  if (c.mode === 'off') return null;
  const { store, clock, log } = deps;
  // Monitor mode bans too, in a table of its own: its run() then reports the refusal enforce would make, on
  // the same requests (a monitor hit), instead of going quiet after one log line.
  const monitor = c.mode === 'monitor';
  const bans = monitor
    ? deps.resources.get(`probing:mbans:${store.kind}`, () => new ProbeBans(store, clock, MONITOR_PREFIX))
    : deps.resources.get(`probing:bans:${store.kind}`, () => new ProbeBans(store, clock));
  const blocks = deps.services?.blocks;
  if (c.action === 'block' && (blocks === undefined || config.decisions.mode === 'off'))
    throw new GatewayError(
      'GW_ERR_CONFIG',
      'checks.probing.action: block needs the blocks service (decisions.mode must not be off)',
    );
  const exemptBuilder = new PrefixTrieBuilder<true>(() => true);
  for (const e of c.exempt) exemptBuilder.add(parseCidr(e)!, true);
  const exempt = exemptBuilder.build();
  const windowMs = c.window_s * 1000;
  const ttlMs = c.ttl_s * 1000;
  const kind = c.status === 429 ? 'limit' : 'deny';
  const failed = (err: unknown) => log.warn({ err }, 'probing: counting a miss failed');
  return Object.freeze({
    name: 'probe',
    phase: 'connection',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      if ((c.action === 'block' && !monitor) || ctx.listed !== '') return PASS;
      const left = bans.remaining(ctx.clientIp);
      if (left === 0) return PASS;
      return {
        kind,
        status: c.status,
        reasons: ['probe:unmatched_paths'],
        headers: { 'retry-after': String(Math.ceil(left / 1000)) },
      };
    },
    onComplete(ctx: RequestContext): void {
      if (ctx.clientIp === '' || ctx.listed !== '' || !isMiss(ctx)) return;
      if (exempt.lookup(ctx.clientIp) === true) return;
      const ip = ctx.clientIp;
      const counted = store.run(THRESHOLD_COUNT, [`probe:count:${ip}`], [windowMs, c.threshold, 1]);
      const then = (earned: boolean): void => {
        if (!earned) return;
        log.warn(
          { client_ip: ip, threshold: c.threshold, window_s: c.window_s, action: c.action },
          'probing: unmatched paths',
        );
        // monitor: the would-be refusal, for ttl_s (with action block: as long as a refusal would last)
        if (monitor || c.action !== 'block') void bans.ban(ip, ttlMs).catch(failed);
        else void blocks!.offend({ scope: 'ip', value: ip }, `${c.threshold} unmatched paths`, 'rule').catch(failed);
      };
      try {
        if (counted instanceof Promise) counted.then(then, failed);
        else then(counted);
      } catch (err) {
        failed(err);
      }
    },
  } satisfies Check);
}
