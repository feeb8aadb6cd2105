// The local copy of the shared blocks every request reads: maps by address and user, a trie for prefixes.
// Kept in step with the Store by decisions.ts; expired entries are dropped when met.
import type { Clock } from '../core/clock.js';
import { canonicalV6 } from '../net/ip.js';
import { parseCidr } from '../net/cidr.js';
import { KEY_PREFIX, keyOf, type Decision } from './decision.js';
import type { PrefixTrie } from '../net/cidr-trie.js';
import { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';

/** The later-ending block wins where prefixes overlap: it covers the address for longer. */
const later = (a: Decision, b: Decision): Decision => (b.expires > a.expires ? b : a);

export class DecisionCache {
  private readonly ips = new Map<string, Decision>();
  private readonly users = new Map<string, Decision>();
  private readonly prefixes = new Map<string, Decision>();
  private prefixTrie: PrefixTrie<Decision> | null = null;
  /** IPv6 address blocks held: only then is a client's IPv6 text put in canonical form. */
  private v6Ips = 0;

  constructor(private readonly clock: Clock) {}

  /** Puts the record stored under `key` (null: none) in place of what was cached for that key. */
  set(key: string, d: Decision | null): void {
    this.remove(key);
    this.put(d, key);
    if (key.startsWith(`${KEY_PREFIX}prefix:`)) this.rebuildPrefixes();
  }

  /** Replaces everything with the store's listing. */
  replaceAll(entries: ReadonlyArray<{ key: string; decision: Decision | null }>): void {
    this.ips.clear();
    this.users.clear();
    this.prefixes.clear();
    this.v6Ips = 0;
    for (const e of entries) this.put(e.decision, e.key);
    this.rebuildPrefixes();
  }

  private put(d: Decision | null, key: string): void {
    if (d === null || keyOf(d) !== key || d.expires <= this.clock.now()) return;
    if (d.scope === 'ip') {
      if (!this.ips.has(d.value) && d.value.includes(':')) this.v6Ips++;
      this.ips.set(d.value, d);
    } else if (d.scope === 'user') this.users.set(d.value, d);
    else this.prefixes.set(d.value, d);
  }

  private remove(key: string): void {
    const rest = key.slice(KEY_PREFIX.length);
    const colon = rest.indexOf(':');
    const scope = rest.slice(0, colon);
    const value = rest.slice(colon + 1);
    if (scope === 'ip') {
      if (this.ips.delete(value) && value.includes(':')) this.v6Ips--;
    } else if (scope === 'user') this.users.delete(value);
    else this.prefixes.delete(value);
  }

  private rebuildPrefixes(): void {
    if (this.prefixes.size === 0) {
      this.prefixTrie = null;
      return;
    }
    const b = new PrefixTrieBuilder<Decision>(later);
    for (const d of this.prefixes.values()) b.add(parseCidr(d.value)!, d);
    this.prefixTrie = b.build();
  }

  /** The block in force on a client address, or null. Map reads and at most one trie lookup. */
  findIp(ip: string): Decision | null {
    if (this.ips.size !== 0) {
      const key = this.v6Ips !== 0 && ip.includes(':') ? canonicalV6(ip) : ip;
      const d = this.ips.get(key);
      if (d !== undefined) {
        if (d.expires > this.clock.now()) return d;
        this.ips.delete(key);
        if (key.includes(':')) this.v6Ips--;
      }
    }
    if (this.prefixTrie !== null) {
      const d = this.prefixTrie.lookup(ip);
      if (d !== undefined && d.expires > this.clock.now()) return d;
    }
    return null;
  }

  /** The block in force on a user, or null. */
  findUser(user: string): Decision | null {
    if (this.users.size === 0) return null;
    const d = this.users.get(user);
    if (d === undefined) return null;
    if (d.expires > this.clock.now()) return d;
    this.users.delete(user);
    return null;
  }

  get counts(): { ip: number; prefix: number; user: number } {
    return { ip: this.ips.size, prefix: this.prefixes.size, user: this.users.size };
  }
}
