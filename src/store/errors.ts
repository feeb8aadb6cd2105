// Store failures, classified: "the backend is unreachable or slow" (a policy decides) vs "a script is wrong" (a fault).
import { StoreError, type StoreErrorKind } from '../core/errors.js';

// The class lives with the other typed errors; re-exported so store code keeps one import.
export { StoreError, type StoreErrorKind } from '../core/errors.js';

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
