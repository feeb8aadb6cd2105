// Allow, deny and bypass lists and threat feeds merged into one prefix trie of marks. A mark carries every
// list covering the address (pushed down from shorter prefixes) and its verdict, computed once at build.
import { PASS, type Verdict } from '../core/verdict.js';
import type { FeedConfig } from './config.js';
import type { PackedList } from './parse.js';
import type { PrefixTrie } from '../net/cidr-trie.js';
import { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';

export const BYPASS = 1;
export const ALLOW = 2;
export const DENY = 4;

export interface Mark {
  /** BYPASS | ALLOW | DENY bits. */
  readonly flags: number;
  /** Indexes of the feeds listing the address, ascending. */
  readonly feeds: readonly number[];
  /** bypass beats allow; either skips every refusal below. */
  readonly listed: '' | 'allow' | 'bypass';
  readonly verdict: Verdict;
}

function frozen(v: Verdict): Verdict {
  return Object.freeze({ ...v, reasons: Object.freeze([...v.reasons]) });
}

/** Interns marks so the trie holds one object per distinct combination (a 100k-line feed: one mark). */
export class MarkTable {
  private readonly memo = new Map<string, Mark>();

  constructor(private readonly feeds: readonly FeedConfig[]) {}

  of(flags: number, feeds: readonly number[]): Mark {
    const key = `${flags}:${feeds.join(',')}`;
    let m = this.memo.get(key);
    if (m === undefined) {
      const listed = flags & BYPASS ? 'bypass' : flags & ALLOW ? 'allow' : '';
      m = Object.freeze({ flags, feeds: Object.freeze([...feeds]), listed, verdict: this.verdict(flags, feeds) });
      this.memo.set(key, m);
    }
    return m;
  }

  readonly combine = (a: Mark, b: Mark): Mark => {
    if (a === b) return a;
    const feeds = [...new Set([...a.feeds, ...b.feeds])].sort((x, y) => x - y);
    return this.of(a.flags | b.flags, feeds);
  };

  private verdict(flags: number, feeds: readonly number[]): Verdict {
    if (flags & (BYPASS | ALLOW)) return PASS;
    if (flags & DENY) return frozen({ kind: 'deny', status: 403, reasons: ['rep:deny'] });
    const denying = feeds.find((i) => this.feeds[i]!.action === 'deny');
    if (denying !== undefined) {
      return frozen({ kind: 'deny', status: 403, reasons: [`rep:feed:${this.feeds[denying]!.name}`] });
    }
    let score = 0;
    for (const i of feeds) score += this.feeds[i]!.score;
    const reasons = feeds.map((i) => `rep:feed:${this.feeds[i]!.name}`);
    return reasons.length === 0 ? PASS : frozen({ kind: 'continue', score, reasons });
  }
}

export class ListsBuilder {
  readonly table: MarkTable;
  private readonly trie: PrefixTrieBuilder<Mark>;

  constructor(feeds: readonly FeedConfig[]) {
    this.table = new MarkTable(feeds);
    this.trie = new PrefixTrieBuilder<Mark>(this.table.combine);
  }

  add(list: PackedList, mark: Mark): this {
    for (let i = 0; i < list.v4bits.length; i++) this.trie.addWords(4, list.v4, i, list.v4bits[i]!, mark);
    for (let i = 0; i < list.v6bits.length; i++) this.trie.addWords(6, list.v6, i * 4, list.v6bits[i]!, mark);
    return this;
  }

  build(): PrefixTrie<Mark> {
    return this.trie.build();
  }
}
