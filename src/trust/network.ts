// The network component: threat feeds that list the address (reputation), hosting ASNs and anonymisers (geo).
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import type { GeoAnswer } from '../geo/lookup.js';
import { scored, unscored, type Weighting } from './term.js';

const FEED = 'rep:feed:';
const COST = { feed: 0.5, anonymiser: 0.5, hosting: 0.3 } as const;

export interface NetworkSources {
  /** Whether reputation feeds are configured (their hits are `rep:feed:<name>` reasons on the context). */
  readonly feeds: boolean;
  /** The geo answer for the client, when an ASN or anonymous-IP database is configured; null: none is. */
  readonly geo: ((ip: string) => GeoAnswer) | null;
  readonly hostingAsns: ReadonlySet<number>;
}

export function networkComponent(w: Weighting, s: NetworkSources): (ctx: RequestContext) => TrustTerm {
  if (!s.feeds && s.geo === null) {
    const none = unscored(w, 'network:no_sources');
    return () => none;
  }
  const clean = scored(w, 'network:clean', 1, Object.freeze({ feeds: 0 }));
  return (ctx) => {
    let feeds = 0;
    if (s.feeds) for (const r of ctx.reasons) if (r.startsWith(FEED)) feeds++;
    const a = s.geo?.(ctx.clientIp);
    const anonymiser = a !== undefined && a.anonymous.length !== 0;
    const hosting = a !== undefined && a.asn !== null && s.hostingAsns.has(a.asn);
    if (feeds === 0 && !anonymiser && !hosting) return clean;
    const cost = feeds * COST.feed + (anonymiser ? COST.anonymiser : 0) + (hosting ? COST.hosting : 0);
    const code = feeds !== 0 ? 'network:feed' : anonymiser ? 'network:anonymiser' : 'network:hosting';
    return scored(w, code, 1 - cost, { feeds, anonymiser, hosting, asn: a?.asn ?? 0 });
  };
}
