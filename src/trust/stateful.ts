// The components that read the store: device (a user's known devices) and history (a client's decayed
// refusals and failed compiles). Unscored when the store did not answer; the request is decided by the rest.
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import { DEVICE_FIRST, DEVICE_KNOWN, DEVICE_NEW, decayed, type TrustRead } from './scripts.js';
import { impossibleDevice } from './fingerprint.js';
import { round4, scored, unscored, type Weighting } from './term.js';

/** What the store read gave: the read, or null when the store was unavailable. */
export type StoreState = TrustRead | null;

const DEVICE_VALUES = { known: 1, first: 0.9, new: 0.7, impossible: 0.1 } as const;

export function deviceComponent(w: Weighting): (ctx: RequestContext, s: StoreState, fp: string) => TrustTerm {
  const noUser = unscored(w, 'device:no_user');
  const down = unscored(w, 'device:store_unavailable');
  const impossible = new Map<string, TrustTerm>();
  return (ctx, s, fp) => {
    // an impossible combination of headers needs no store to be seen
    const why = impossibleDevice(ctx.headers);
    if (why !== '') {
      let t = impossible.get(why);
      if (t === undefined)
        impossible.set(why, (t = scored(w, 'device:impossible', DEVICE_VALUES.impossible, Object.freeze({ why }))));
      return t;
    }
    if (ctx.identity.user === null) return noUser;
    if (s === null) return down;
    switch (s.device) {
      case DEVICE_KNOWN:
        return scored(w, 'device:known', DEVICE_VALUES.known, { fingerprint: fp });
      case DEVICE_FIRST:
        return scored(w, 'device:first', DEVICE_VALUES.first, { fingerprint: fp });
      case DEVICE_NEW:
        return scored(w, 'device:new_for_user', DEVICE_VALUES.new, { fingerprint: fp });
      default:
        return noUser;
    }
  };
}

export interface HistorySettings {
  readonly halfLifeMs: number;
  /** Decayed events at which history is worth nothing. */
  readonly saturation: number;
}

export function historyComponent(w: Weighting, h: HistorySettings): (s: StoreState, now: number) => TrustTerm {
  const none = unscored(w, 'history:new_client');
  const down = unscored(w, 'history:store_unavailable');
  return (s, now) => {
    if (s === null) return down;
    const n = decayed(s.history, now, h.halfLifeMs);
    if (n === null) return none;
    const events = round4(n);
    return scored(w, events < 0.05 ? 'history:clean' : 'history:refusals', 1 - events / h.saturation, { events });
  };
}
