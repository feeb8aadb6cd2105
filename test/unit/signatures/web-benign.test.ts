// Web rules against ordinary traffic (test/vectors/signatures/benign-web.json): real browser and client
// headers, everyday titles and captions, common query strings. None may be refused or even scored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const V = JSON.parse(readFileSync(join(import.meta.dirname, '../../vectors/signatures/benign-web.json'), 'utf8')) as {
  headers: Record<string, string>[];
  fields: string[];
  queries: string[];
};

describe('web rules on ordinary traffic', () => {
  const engine = shippedEngine({ clean_cache_entries: 0 });
  const code = '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}';

  it('pass every header set', () => {
    for (const h of V.headers) {
      const r = engine.inspect({ ...compileRequest(code), headers: h });
      expect(r.matches, JSON.stringify(h)).toEqual([]);
    }
  });

  it('pass every field value and query', () => {
    for (const title of V.fields) {
      for (const query of V.queries) {
        const req = compileRequest(code);
        const r = engine.inspect({
          ...req,
          query,
          fields: [...req.fields, { name: 'title', path: 'title', value: title, code: false }],
        });
        expect(r.matches, `${title} | ${query}`).toEqual([]);
      }
    }
  });
});
