// Who a request's counters belong to, from its identity and client address (see rate_limits.key_by).
import type { RequestContext } from '../core/context.js';
import { groupIp, type GroupLevel, type IpGrouping } from '../net/prefix.js';
import type { IdentityConfig } from '../identity/config.js';
import type { GroupingKind } from './plan.js';
import type { Subject } from './limiter.js';

export type KeyBy = 'subject' | 'ip' | 'ip_and_user';

export interface ResolvedSubject extends Subject {
  readonly kind: GroupingKind;
  /** The client's own (narrowest) id: what in-flight caps and tier overrides are keyed by. */
  readonly id: string;
}

/** Grouping levels from config, narrowest first (so the widest, last, is the hash tag). */
export function groupingFromConfig(c: IdentityConfig): IpGrouping {
  const levels = (list: IdentityConfig['ipv4_prefixes']): GroupLevel[] =>
    list
      .map((l) => (typeof l === 'number' ? { bits: l, scale: 1 } : { bits: l.bits, scale: l.scale }))
      .sort((a, b) => b.bits - a.bits);
  return Object.freeze({ v4: Object.freeze(levels(c.ipv4_prefixes)), v6: Object.freeze(levels(c.ipv6_prefixes)) });
}

export const SINGLE_LEVEL: readonly GroupLevel[] = Object.freeze([Object.freeze({ bits: 0, scale: 1 })]);

export function resolveSubject(ctx: RequestContext, keyBy: KeyBy, grouping: IpGrouping): ResolvedSubject {
  const user = ctx.identity.user;
  if (user !== null && keyBy === 'subject') {
    const id = `u:${user}`;
    return { tag: id, groups: [id], kind: 'single', id };
  }
  const g = groupIp(ctx.clientIp, grouping);
  const kind: GroupingKind = g.family === 6 ? 'v6' : 'v4';
  if (user !== null && keyBy === 'ip_and_user') {
    const tag = `u:${user}|${g.tag}`;
    const groups = [...g.groups.slice(0, -1), tag];
    return { tag, groups, kind, id: `u:${user}|${g.groups[0]!}` };
  }
  return { tag: g.tag, groups: g.groups, kind, id: g.groups[0]! };
}
