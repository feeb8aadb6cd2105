// Client address resolution: X-Forwarded-For is believed only through configured trusted proxies.
import type { CidrSet } from '../net/cidr.js';
import { parseForwardedEntry } from '../net/ip.js';

/**
 * Walks X-Forwarded-For from the right, skipping hops that are trusted proxies; the first untrusted hop is
 * the client. A malformed entry stops the walk: the hop that handed it over (trusted) is taken as the
 * client, so garbage can never pick an address of its choosing. When every hop is trusted, the leftmost is.
 */
export function resolveClientIp(peerIp: string, xff: string | string[] | undefined, trusted: CidrSet): string {
  if (xff === undefined || trusted.size === 0 || !trusted.has(peerIp)) return peerIp;
  const list = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  let client = peerIp;
  for (let i = list.length - 1; i >= 0; i--) {
    const hop = parseForwardedEntry(list[i]!);
    if (hop === '') return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}
