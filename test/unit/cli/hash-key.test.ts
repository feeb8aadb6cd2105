// `portcullis hash-key` in-process: keys a client could never present are refused with a reason, others hashed.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashKeyCommand, keyProblem } from '../../../src/cli/hash-key.js';
import { readAll } from '../../../src/cli/stdin.js';

function run(input: string, args: { user?: string; tier?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return hashKeyCommand(Readable.from([Buffer.from(input)]), args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
  }).then((code) => ({ code, out, err }));
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('keyProblem', () => {
  it.each([
    ['', /no key/],
    ['x'.repeat(513), /longer than 512/],
    [' key', /space or tab/],
    ['key\t', /space or tab/],
    ['ke\ny', /control character/],
    ['k\u007fey', /control character/],
    ['clé', /non-ASCII/],
  ])('refuses %j', (key, reason) => {
    expect(keyProblem(key)).toMatch(reason);
  });

  it('accepts printable ASCII up to 512 characters', () => {
    expect(keyProblem('k'.repeat(512))).toBeNull();
    expect(keyProblem('a-b_c.d~e+f/g=')).toBeNull();
  });
});

describe('hashKeyCommand', () => {
  it('prints the SHA-256 of the key, dropping one final line ending only', async () => {
    expect(await run('secret\n')).toEqual({ code: 0, out: [sha('secret')], err: [] });
    expect((await run('secret\r\n')).out).toEqual([sha('secret')]);
    expect((await run('secret\n\n')).code).toBe(2);
  });

  it('prints a whole entry with --user and --tier, as YAML that parses back', async () => {
    const r = await run('k1', { user: 'alice', tier: 'premium' });
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^- \{/);
    expect(parse(r.out[0]!)).toEqual([{ sha256: sha('k1'), user: 'alice', tier: 'premium' }]);
  });

  it('refuses --tier without --user, and an entry the schema refuses', async () => {
    expect(await run('k1', { tier: 'premium' })).toMatchObject({ code: 2, err: [expect.stringMatching(/--user/)] });
    const bad = await run('k1', { user: '' });
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(/^hash-key: user: /);
  });

  it('refuses an empty stdin with a reason', async () => {
    expect(await run('')).toMatchObject({ code: 2, err: ['hash-key: no key on stdin'] });
  });
});

describe('readAll', () => {
  it('concatenates string and buffer chunks', async () => {
    expect((await readAll(Readable.from(['ab', Buffer.from('cd')]), 10)).toString()).toBe('abcd');
  });

  it('throws past its bound instead of filling the memory', async () => {
    await expect(readAll(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), 10)).rejects.toThrow(RangeError);
  });
});
