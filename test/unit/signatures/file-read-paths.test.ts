// Every way to read a file (test/vectors/signatures/file-read-paths.json), the reading code alone, no output
// trick beside it: refused by the shipped signatures in a JSON body and in a form body, with the canary's path
// relative and absolute. Whether each really reads a file in TeX Live is test/integration/compile-service/
// file-reads.test.ts's business.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../../src/body/decode.js';
import type { BodyLimits } from '../../../src/body/limits.js';
import { shippedEngine } from '../../corpus/engine-fixture.js';

export interface FileReadVector {
  readonly id: string;
  readonly layer: string;
  readonly path: 'relative' | 'absolute';
  readonly read: string;
  readonly show: string;
  readonly oracle: 'text' | 'hex' | 'md5' | 'size' | 'date' | 'exists' | 'reads';
  readonly checked?: boolean;
  readonly why?: string;
}
const { vectors } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/file-read-paths.json'), 'utf8'),
) as { vectors: FileReadVector[] };

const LIMITS: BodyLimits = {
  codeFields: new Set(['tikz_code']),
  maxFieldChars: 10_000,
  maxCodeFieldBytes: 102_400,
  maxBatchItems: 100,
  maxDepth: 32,
};
const BODIES = {
  json: (t: string) => ({ type: 'application/json', body: JSON.stringify({ tikz_code: t }) }),
  form: (t: string) => ({ type: 'application/x-www-form-urlencoded', body: `tikz_code=${encodeURIComponent(t)}` }),
};
const PATHS = { relative: '../canary.txt', absolute: '/srv/compile/jobs/canary.txt' };

describe('file-reading paths through the signatures', () => {
  const engine = shippedEngine();
  it('covers every layer the issue names', () => {
    const layers = new Set(vectors.map((v) => v.layer));
    for (const l of [
      'TeX primitives',
      'LaTeX2e',
      'expl3 l3file',
      'pdfTeX primitives',
      'LuaTeX',
      'pgfplots tables',
      'TikZ plot file',
      'catchfile',
    ])
      expect(layers, l).toContain(l);
    expect(vectors.filter((v) => v.checked !== false).length).toBeGreaterThanOrEqual(18);
  });

  it('refuses each, alone, in JSON and form bodies, by relative and absolute path', () => {
    const missed: string[] = [];
    for (const v of vectors) {
      for (const [where, path] of Object.entries(PATHS)) {
        for (const [enc, make] of Object.entries(BODIES)) {
          const tex = v.read.replaceAll('$CANARY', path);
          const b = make(tex);
          const d = decodeBody(Buffer.from(b.body), b.type, LIMITS);
          if (!d.ok) throw new Error(`${v.id}: ${d.code}`);
          const r = engine.inspect({
            route: 'compile',
            tier: 'anonymous',
            path: '/compile',
            query: '',
            headers: { host: 'localhost', 'content-type': b.type },
            fields: d.body.fields,
            body: Buffer.from(b.body),
          });
          if (!r.deny) missed.push(`${v.id} [${where}, ${enc}] score ${r.score} ${r.reasons.join(',')}`);
        }
      }
    }
    expect(missed).toEqual([]);
  });
});
