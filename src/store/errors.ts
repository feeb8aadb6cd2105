// Store failures, classified: "the backend is unreachable or slow" (a policy decides) vs "a script is wrong" (a fault).
import { GatewayError } from '../core/errors.js';

/** Bounded metric label values for store errors. */
export type StoreErrorKind = 'timeout' | 'connection' | 'busy' | 'script' | 'closed' | 'cross_slot';

export class StoreError extends GatewayError {
  readonly kind: StoreErrorKind;
  constructor(kind: StoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind === 'timeout' ? 'GW_ERR_STORE_TIMEOUT' : 'GW_ERR_STORE', message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }

  /** True when the backend cannot answer now (fail-open/fail-closed applies); false for faults in the caller. */
  get unavailable(): boolean {
    return this.kind === 'timeout' || this.kind === 'connection' || this.kind === 'busy';
  }
}

/** Server replies that mean "not now" rather than "wrong": loading, failover, busy script, cluster down. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|NOREPLICAS|MOVED|ASK)\b/;

/** Classifies an ioredis error (or anything thrown while talking to Redis). */
export function classifyRedisError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const msg = e.message;
  let kind: StoreErrorKind;
  if (e.name === 'ReplyError') {
    if (TRANSIENT_REPLY.test(msg)) kind = 'busy';
    else if (msg.startsWith('CROSSSLOT')) kind = 'cross_slot';
    else kind = 'script';
  } else if (/timed out/i.test(msg)) {
    kind = 'timeout';
  } else {
    // Connection is closed / Stream isn't writeable / Cluster isn't ready / ECONNREFUSED / slots refresh.
    kind = 'connection';
  }
  return new StoreError(kind, `redis ${what}: ${msg}`, { cause: err });
}
