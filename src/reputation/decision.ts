// The block record ("decision"): who is blocked (ip, prefix or user), why, by whom, until when. Values are
// normalised so every instance, the admin API and the per-request lookup agree on one spelling.
import { normaliseIp } from '../net/ip.js';
import { canonicalV6 } from '../net/ip.js';
import { formatCidr, parseCidr } from '../net/cidr.js';

export const SCOPES = ['ip', 'prefix', 'user'] as const;
export const ORIGINS = ['manual', 'rule', 'incident', 'feed'] as const;
export type Scope = (typeof SCOPES)[number];
export type Origin = (typeof ORIGINS)[number];

export interface Decision {
  readonly scope: Scope;
  readonly value: string;
  /** Free text for operators (never sent to the client; the client sees block:<origin>). */
  readonly reason: string;
  readonly origin: Origin;
  readonly actor: string;
  /** Epoch milliseconds (the store's clock). */
  readonly created: number;
  readonly expires: number;
  /** For automatic blocks: which offence (1, 2, 3...) this block answers. */
  readonly offence?: number;
}

export interface Subject {
  readonly scope: Scope;
  readonly value: string;
}

export const KEY_PREFIX = 'decision:';

export function keyOf(s: Subject): string {
  return `${KEY_PREFIX}${s.scope}:${s.value}`;
}

/** Canonical form of a subject value, or an error message. */
export function normaliseSubject(scope: Scope, raw: string): { value: string } | { error: string } {
  if (scope === 'user') {
    // eslint-disable-next-line no-control-regex
    if (raw.length === 0 || raw.length > 128 || /[\u0000-\u001f\u007f]/.test(raw)) {
      return { error: 'user must be 1-128 characters without control characters' };
    }
    return { value: raw };
  }
  if (scope === 'ip') {
    const ip = normaliseIp(raw.trim());
    if (ip === '') return { error: `not an IP address: ${JSON.stringify(raw.slice(0, 64))}` };
    return { value: ip.includes(':') ? canonicalV6(ip) : ip };
  }
  const c = parseCidr(raw.trim());
  if (c === null) return { error: `not a CIDR prefix: ${JSON.stringify(raw.slice(0, 64))}` };
  return { value: formatCidr(c) };
}

function isScope(v: unknown): v is Scope {
  return typeof v === 'string' && (SCOPES as readonly string[]).includes(v);
}
function isOrigin(v: unknown): v is Origin {
  return typeof v === 'string' && (ORIGINS as readonly string[]).includes(v);
}

/** Parses a stored record; null when it is not one (a foreign or damaged key is ignored, not fatal). */
export function parseDecision(text: string | null): Decision | null {
  if (text === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const d = v as Record<string, unknown>;
  if (!isScope(d.scope) || !isOrigin(d.origin) || typeof d.value !== 'string') return null;
  if (typeof d.created !== 'number' || typeof d.expires !== 'number') return null;
  return Object.freeze({
    scope: d.scope,
    value: d.value,
    reason: typeof d.reason === 'string' ? d.reason : '',
    origin: d.origin,
    actor: typeof d.actor === 'string' ? d.actor : 'unknown',
    created: d.created,
    expires: d.expires,
    ...(typeof d.offence === 'number' ? { offence: d.offence } : {}),
  });
}

/** The JSON shape the admin API shows (times as ISO strings too). */
export function present(d: Decision, now: number): Record<string, unknown> {
  return {
    ...d,
    created_at: new Date(d.created).toISOString(),
    expires_at: new Date(d.expires).toISOString(),
    expires_in_s: Math.max(0, Math.ceil((d.expires - now) / 1000)),
  };
}
