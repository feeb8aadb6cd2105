// List and threat-feed file parsing: one address or CIDR per line, `#` comments (plain lists, FireHOL
// .netset) or `;` comments (Spamhaus DROP: "1.10.16.0/20 ; SBL256894"). Prefixes are packed, not objects.
import { parseCidr } from '../net/cidr.js';

export type ListFormat = 'auto' | 'plain' | 'netset' | 'spamhaus';

/** Parsed prefixes, packed: IPv4 one word each, IPv6 four words each, with their lengths. */
export interface PackedList {
  readonly v4: Uint32Array;
  readonly v4bits: Uint8Array;
  readonly v6: Uint32Array;
  readonly v6bits: Uint8Array;
  readonly size: number;
}

export interface BadLine {
  readonly line: number;
  readonly text: string;
}

export interface ParsedList {
  readonly list: PackedList;
  /** Lines that were neither blank, a comment nor an address/CIDR (at most the first 20 kept). */
  readonly bad: readonly BadLine[];
  readonly badCount: number;
}

function commentStart(line: string, format: ListFormat): number {
  const hash = format === 'spamhaus' ? -1 : line.indexOf('#');
  const semi = format === 'plain' || format === 'netset' ? -1 : line.indexOf(';');
  if (hash === -1) return semi;
  if (semi === -1) return hash;
  return Math.min(hash, semi);
}

class Growable {
  words: Uint32Array;
  bits: Uint8Array;
  n = 0;
  constructor(private readonly width: number) {
    this.words = new Uint32Array(1024 * width);
    this.bits = new Uint8Array(1024);
  }
  push(words: Uint32Array, bits: number): void {
    if (this.n === this.bits.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
      const b = new Uint8Array(this.bits.length * 2);
      b.set(this.bits);
      this.bits = b;
    }
    this.words.set(words, this.n * this.width);
    this.bits[this.n++] = bits;
  }
  packedWords(): Uint32Array {
    return this.words.slice(0, this.n * this.width);
  }
  packedBits(): Uint8Array {
    return this.bits.slice(0, this.n);
  }
}

export function parseList(text: string, format: ListFormat = 'auto'): ParsedList {
  const g4 = new Growable(1);
  const g6 = new Growable(4);
  const bad: BadLine[] = [];
  let badCount = 0;
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    lineNo++;
    let line = text.slice(from, to);
    from = to + 1;
    const c = commentStart(line, format);
    if (c !== -1) line = line.slice(0, c);
    line = line.trim();
    if (line.length === 0) continue;
    const token = line.split(/\s+/, 1)[0]!;
    const cidr = parseCidr(token);
    if (cidr === null) {
      badCount++;
      if (bad.length < 20) bad.push({ line: lineNo, text: token.slice(0, 80) });
      continue;
    }
    (cidr.family === 4 ? g4 : g6).push(cidr.words, cidr.bits);
  }
  return {
    list: {
      v4: g4.packedWords(),
      v4bits: g4.packedBits(),
      v6: g6.packedWords(),
      v6bits: g6.packedBits(),
      size: g4.n + g6.n,
    },
    bad,
    badCount,
  };
}

/** Packs inline config entries (already validated as addresses or CIDRs by the schema). */
export function packEntries(entries: readonly string[]): PackedList {
  return parseList(entries.join('\n'), 'plain').list;
}
