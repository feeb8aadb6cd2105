// Whose behaviour a request adds to: the identified user or API key owner, else the client's address prefix
// (/24 and /64 by default: one subscriber rotating addresses inside its network stays one client).
import { createHash } from 'node:crypto';
import type { RequestContext } from '../core/context.js';
import { parseV4 } from '../net/ip.js';
import { ipv4Prefix, ipv6Hextets, ipv6Prefix } from '../net/prefix.js';

export interface PrefixBits {
  readonly v4: number;
  readonly v6: number;
}

/** The client's address prefix ("198.51.100.0/24", "2001:db8:1:2::/64"); the text itself when not an address. */
export function addressPrefix(ip: string, bits: PrefixBits): string {
  const n = parseV4(ip, false);
  if (n >= 0) return ipv4Prefix(ip, n, bits.v4);
  const words = ipv6Hextets(ip);
  return words === null ? `raw:${ip}` : ipv6Prefix(words, bits.v6);
}

/** Longer user names are hashed: a store key stays short whatever a token's subject holds. */
const MAX_USER = 128;

/** `u:<user>` (JWT), `k:<owner>` (API key), or `a:<prefix>` (anonymous). */
export function clientKey(ctx: RequestContext, prefix: string): string {
  const id = ctx.identity;
  if (id.user === null) return `a:${prefix}`;
  const user = id.user.length <= MAX_USER ? id.user : `#${createHash('sha256').update(id.user).digest('hex')}`;
  return `${id.method === 'api_key' ? 'k' : 'u'}:${user}`;
}
