// npm run bench's command line: several bodies, --vary-body's placeholder, gateway rows and per-row headers are
// checked before anything starts, with the option named in the error.
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

  it('asks for 5 rounds unless --quick', () => {
    expect(() => readOptions(['--rounds', '3'])).toThrow('at least 5');
    expect(readOptions(['--rounds', '3', '--quick']).cfg!.rounds).toBe(3);
  });
});
