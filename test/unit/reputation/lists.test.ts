// List and feed formats, precedence of bypass/allow/deny/feeds in one trie, and reloads of changed files.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reputationSchema, type FeedConfig } from '../../../src/reputation/config.js';
import { ALLOW, BYPASS, DENY, ListsBuilder } from '../../../src/reputation/lists.js';
import { packEntries, parseList } from '../../../src/reputation/parse.js';
import { ListFile, Rebuilt } from '../../../src/reputation/sources.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const VECTORS = fileURLToPath(new URL('../../vectors/reputation/', import.meta.url));
const read = (f: string) => readFileSync(join(VECTORS, f), 'utf8');
const log = createLogger('silent');
const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

describe('list formats', () => {
  it('reads a FireHOL netset', () => {
    const p = parseList(read('firehol-sample.netset'), 'netset');
    expect(p.badCount).toBe(0);
    expect(p.list.size).toBe(6);
    const b = new ListsBuilder([]);
    const t = b.add(p.list, b.table.of(DENY, [])).build();
    for (const ip of ['192.0.2.77', '198.51.100.7', '203.0.113.5', '10.99.3.4'])
      expect(t.lookup(ip)?.flags, ip).toBe(DENY);
    for (const ip of ['198.51.100.8', '203.0.113.200', '10.98.0.1']) expect(t.lookup(ip), ip).toBeUndefined();
  });

  it('reads Spamhaus DROP (; comments, SBL ids ignored), IPv6 included', () => {
    const p = parseList(read('spamhaus-drop-sample.txt'), 'spamhaus');
    expect(p.badCount).toBe(0);
    expect(p.list.size).toBe(3);
    expect(p.list.v6bits).toEqual(Uint8Array.of(48));
    // auto reads it the same way
    expect(parseList(read('spamhaus-drop-sample.txt')).list.size).toBe(3);
  });

  it('reads plain lists with trailing comments, blanks and IPv4-mapped addresses', () => {
    const p = parseList(read('plain-list.txt'), 'plain');
    expect(p.badCount).toBe(0);
    expect(p.list.size).toBe(4);
    const b = new ListsBuilder([]);
    const t = b.add(p.list, b.table.of(ALLOW, [])).build();
    expect(t.lookup('198.51.100.200')?.listed).toBe('allow');
    expect(t.lookup('2001:db8:1::99')?.listed).toBe('allow');
  });

  it('reports bad lines with their numbers and keeps the good ones', () => {
    const p = parseList(read('mixed-bad-lines.txt'));
    expect(p.list.size).toBe(2);
    expect(p.badCount).toBe(4);
    expect(p.bad).toEqual([
      { line: 3, text: 'not-an-address' },
      { line: 4, text: '300.1.1.1' },
      { line: 5, text: '192.0.2.0/33' },
      { line: 7, text: '<html>' },
    ]);
  });
});

describe('precedence', () => {
  const feeds: FeedConfig[] = [
    { name: 'drop', file: 'x', format: 'auto', action: 'deny', score: 0 },
    { name: 'scanners', file: 'y', format: 'auto', action: 'score', score: 30 },
    { name: 'proxies', file: 'z', format: 'auto', action: 'score', score: 15 },
  ];
  const b = new ListsBuilder(feeds);
  const t = b.table;
  const trie = b
    .add(packEntries(['10.0.0.0/8']), t.of(DENY, []))
    .add(packEntries(['10.1.0.0/16']), t.of(ALLOW, []))
    .add(packEntries(['10.1.2.3']), t.of(BYPASS, []))
    .add(packEntries(['192.0.2.0/24']), t.of(0, [1]))
    .add(packEntries(['192.0.2.128/25']), t.of(0, [2]))
    .add(packEntries(['192.0.2.200']), t.of(0, [0]))
    .add(packEntries(['2001:db8::/32']), t.of(DENY, []))
    .build();

  it('bypass beats allow beats deny, whatever the prefix lengths', () => {
    expect(trie.lookup('10.9.9.9')?.verdict).toEqual({ kind: 'deny', status: 403, reasons: ['rep:deny'] });
    expect(trie.lookup('10.1.9.9')?.listed).toBe('allow');
    expect(trie.lookup('10.1.2.3')?.listed).toBe('bypass');
    expect(trie.lookup('2001:db8::5')?.verdict.reasons).toEqual(['rep:deny']);
  });

  it('feeds add their scores; a deny feed refuses', () => {
    expect(trie.lookup('192.0.2.5')?.verdict).toEqual({ kind: 'continue', score: 30, reasons: ['rep:feed:scanners'] });
    expect(trie.lookup('192.0.2.129')?.verdict).toEqual({
      kind: 'continue',
      score: 45,
      reasons: ['rep:feed:scanners', 'rep:feed:proxies'],
    });
    expect(trie.lookup('192.0.2.200')?.verdict).toEqual({ kind: 'deny', status: 403, reasons: ['rep:feed:drop'] });
  });

  it('marks are interned: one object per combination', () => {
    expect(trie.lookup('192.0.2.1')).toBe(trie.lookup('192.0.2.100'));
  });
});

describe('list files', () => {
  function dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'pc-rep-'));
    cleanup.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  }

  it('a strict list refuses a bad line with file:line', () => {
    const f = join(dir(), 'deny.txt');
    copyFileSync(join(VECTORS, 'mixed-bad-lines.txt'), f);
    expect(
      () => new ListFile(f, 'reputation.deny_files', log, { format: 'plain', strict: true, watch: false }),
    ).toThrow(/reputation\.deny_files: .*deny\.txt:3: not an IP address or CIDR: "not-an-address" \(4 bad line\(s\)\)/);
  });

  it('a feed reloads by itself and the trie built from it follows', async () => {
    const f = join(dir(), 'feed.txt');
    writeFileSync(f, '192.0.2.0/24\n');
    const lf = new ListFile(f, 'feed', log, { format: 'auto', strict: false, debounceMs: 30 });
    cleanup.push(() => lf.close());
    const feeds = reputationSchema.parse({ feeds: [{ name: 'f', file: f }] }).feeds;
    const lists = new Rebuilt(
      () => {
        const b = new ListsBuilder(feeds);
        return b.add(lf.parsed.list, b.table.of(0, [0])).build();
      },
      [lf],
      log,
    );
    expect(lists.current.lookup('192.0.2.9')?.verdict.reasons).toEqual(['rep:feed:f']);
    expect(lists.current.lookup('198.51.100.1')).toBeUndefined();
    writeFileSync(`${f}.new`, '198.51.100.0/24\n');
    renameSync(`${f}.new`, f);
    const end = Date.now() + 5000;
    while (lf.generation === 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(lf.generation).toBe(2);
    expect(lists.current.lookup('192.0.2.9')).toBeUndefined();
    expect(lists.current.lookup('198.51.100.1')?.verdict.reasons).toEqual(['rep:feed:f']);
  });

  it('an unreadable file on reload keeps the previous content', async () => {
    const d = dir();
    const f = join(d, 'allow.txt');
    writeFileSync(f, '10.0.0.0/8\n');
    const lf = new ListFile(f, 'allow', log, { format: 'plain', strict: true, watch: false });
    writeFileSync(f, '10.0.0.0/8\nbogus\n');
    expect(await lf.reload()).toBe(false);
    expect(lf.status()).toMatchObject({ entries: 1, generation: 1, last_error: expect.stringMatching(/allow\.txt:2/) });
  });
});
