// npm run bench's command line: several bodies, --vary-body's placeholder, gateway rows and per-row headers,
// --base's ref and --reject's requests are checked before anything starts, with the option named in the error.
import { describe, expect, it } from 'vitest';
import { readOptions } from '../../../bench/lib/options.mjs';

const GW = '--gateway=sig=bench/signatures.bench.yaml';

describe('bench options', () => {
  it('reads several bodies, each with its size and a label for its rows', () => {
    const r = readOptions(['--body', 'bench/bodies/tikz-620.json', '--body', 'bench/bodies/tikz-10k.json', GW]);
    expect(r.bodies!.map((b) => b.label)).toEqual(['tikz-620', 'tikz-10k']);
    expect(r.bodies![0]!.bytes).toBe(620);
    expect(r.gateways!.map((g) => g.name)).toEqual(['sig']);
  });

  it('refuses the same body twice, a missing one, and --vary-body on a body without the placeholder', () => {
    const b = 'bench/bodies/tikz-620.json';
    expect(() => readOptions(['--body', b, '--body', b])).toThrow('--body: the same file twice');
    expect(() => readOptions(['--body', 'bench/bodies/nope.json'])).toThrow('--body: no such file');
    expect(() => readOptions(['--vary-body', '--body', b])).toThrow('holds no placeholder 00000000');
    expect(readOptions(['--vary-body', '--body', 'bench/bodies/tikz-620-vary.json']).cfg!.vary).toBe(true);
  });

  it('takes extra headers only for rows that exist, and never the bench framing headers', () => {
    const r = readOptions([GW, '--header', 'sig:X-Api-Key=k1']);
    expect(r.rowHeaders!.get('sig')).toEqual({ 'x-api-key': 'k1' });
    expect(() => readOptions([GW, '--header', 'nosuch:x-a=1'])).toThrow('no row nosuch');
    expect(() => readOptions([GW, '--header', 'sig:content-length=1'])).toThrow("the bench's own");
    expect(() => readOptions([GW, '--header', 'sig:x-a=1\r\nx-b: 2'])).toThrow('line break');
  });

  it("--base: keeps the ref for git, adds NAME@base rows that send their gateway row's headers", () => {
    const r = readOptions([GW, '--base', 'HEAD~1', '--header', 'sig:x-api-key=k1']);
    expect(r.base).toBe('HEAD~1');
    expect(r.rowHeaders!.get('sig@base')).toEqual({ 'x-api-key': 'k1' });
    // A base row's own --header wins over its gateway row's.
    const own = readOptions([GW, '--base', 'main', '--header', 'sig:x-a=1', '--header', 'sig@base:x-a=2']);
    expect(own.rowHeaders!.get('sig@base')).toEqual({ 'x-a': '2' });
    expect(readOptions([GW]).base).toBeNull();
    expect(() => readOptions([GW, '--header', 'sig@base:x-a=1'])).toThrow('no row sig@base');
  });

  it('--base: refuses what is no git ref (an option, a range, a path) and a run without the A/A row', () => {
    for (const bad of ['', '-x', '--output=/tmp/x', 'a..b', 'HEAD:src', 'a b', 'x\ny'])
      expect(() => readOptions([`--base=${bad}`]), bad).toThrow('not a git ref');
    for (const good of ['main', 'HEAD~2', 'v1.0^', '7ea54b8', 'main@{1}', 'origin/feature-x'])
      expect(readOptions(['--base', good]).base).toBe(good);
    expect(() => readOptions(['--base', 'main', '--no-aa'])).toThrow('the verdict needs the A/A row');
  });

  it("--base-own-config: the base runs its own copy of a row's config, so only with --base and a config in the project", () => {
    const r = readOptions([GW, '--base', 'HEAD~1', '--base-own-config']);
    expect(r.o!['base-own-config']).toBe(true);
    expect(r.gateways![0]!.inTree).toBe('bench/signatures.bench.yaml');
    expect(() => readOptions([GW, '--base-own-config'])).toThrow('--base-own-config: needs --base');
    expect(() => readOptions(['--gateway=x=/etc/hostname', '--base', 'HEAD~1', '--base-own-config'])).toThrow(
      'needs a config inside the project',
    );
  });

  it('--reject: its four requests, each with the refusal the gateway owes and the goal', () => {
    const r = readOptions(['--reject']);
    expect(r.requests!.map((q) => [q.label, q.method, q.expect, q.goal])).toEqual([
      ['post-415', 'POST', 415, 0.5],
      ['post-404', 'POST', 404, 0.5],
      ['post-403', 'POST', 403, 0.5],
      ['get-404', 'GET', 404, 0.7],
    ]);
    expect(r.requests![0]!.contentType).toBe('text/plain');
    expect(r.requests![2]!.bytes).toBeGreaterThan(600); // tikz-620's diagram with a \write18 added
    expect(r.requests![3]!.file).toBeNull();
    expect(r.bodies).toEqual([]);
    // Its rows: bare-node (and its A/A twin) instead of the bare proxy, no direct row.
    expect(readOptions(['--reject', '--header', 'bare-node-aa:x-a=1']).rowHeaders!.get('bare-node-aa')).toBeTruthy();
    expect(() => readOptions(['--reject', '--header', 'bare-undici:x-a=1'])).toThrow('no row bare-undici');
    expect(() => readOptions(['--reject', '--body', 'bench/bodies/tikz-620.json'])).toThrow('its requests are fixed');
    expect(() => readOptions(['--reject', '--no-direct'])).toThrow('has no direct row');
  });

  it('without --reject, every body is a POST /compile answered 200', () => {
    const r = readOptions(['--body', 'bench/bodies/tikz-10k.json']);
    expect(r.requests!.map((q) => [q.label, q.method, q.path, q.expect])).toEqual([
      ['tikz-10k', 'POST', '/compile', 200],
    ]);
  });

  it('asks for 5 rounds unless --quick', () => {
    expect(() => readOptions(['--rounds', '3'])).toThrow('at least 5');
    expect(readOptions(['--rounds', '3', '--quick']).cfg!.rounds).toBe(3);
  });
});
