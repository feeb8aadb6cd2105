// Detection at the engine: the generated attack corpus (test/corpus/attacks.ts), each body decoded the way
// the body phase does it (src/body/decode.ts) and inspected as POST /compile. Every one must be refused.
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/body/decode.js';
import type { BodyLimits } from '../../src/body/limits.js';
import { BODY_ENCODINGS, texAttacks, webAttacks } from './attacks.js';
import { shippedEngine } from './engine-fixture.js';

const LIMITS: BodyLimits = {
  codeFields: new Set(['tikz_code']),
  maxFieldChars: 10_000,
  maxCodeFieldBytes: 102_400,
  maxBatchItems: 100,
  maxDepth: 32,
};

const engine = shippedEngine();

function inspect(contentType: string, body: string, query = '') {
  const media = contentType.split(';')[0]!.trim();
  const decoded = decodeBody(Buffer.from(body), media, LIMITS);
  if (!decoded.ok) throw new Error(`body did not decode (${decoded.code}): ${body.slice(0, 80)}`);
  return engine.inspect({
    route: 'compile',
    tier: 'anonymous',
    path: '/compile',
    query,
    headers: { host: 'localhost', 'content-type': contentType },
    fields: decoded.body.fields,
    body: Buffer.from(body),
  });
}

describe('generated attack corpus (engine)', () => {
  const tex = texAttacks();
  const web = webAttacks();

  it('has at least 150 distinct payloads', () => {
    const distinct = new Set([...tex.map((a) => a.tex), ...web.map((a) => a.body + a.query)]);
    console.log(
      `attack corpus: ${tex.length} TeX payloads x ${Object.keys(BODY_ENCODINGS).length} encodings, ${web.length} web attacks; ${distinct.size} distinct payloads`,
    );
    expect(distinct.size).toBeGreaterThanOrEqual(150);
  });

  it('refuses every TeX attack in every body encoding', () => {
    const missed: string[] = [];
    let total = 0;
    for (const a of tex) {
      for (const [name, enc] of Object.entries(BODY_ENCODINGS)) {
        const e = enc(a.tex);
        total++;
        const r = inspect(e.contentType, e.body);
        if (!r.deny) missed.push(`${a.id} [${name}] score ${r.score} ${r.reasons.join(',')}`);
      }
    }
    console.log(`TeX attacks refused: ${total - missed.length}/${total}`);
    if (missed.length > 0) console.log(missed.join('\n'));
    expect(missed).toEqual([]);
  });

  it('refuses every web attack in non-code fields and the query', () => {
    const missed: string[] = [];
    for (const a of web) {
      const r = inspect(a.contentType, a.body, a.query);
      if (!r.deny) missed.push(`${a.id} score ${r.score} ${r.reasons.join(',')}`);
    }
    console.log(`web attacks refused: ${web.length - missed.length}/${web.length}`);
    if (missed.length > 0) console.log(missed.join('\n'));
    expect(missed).toEqual([]);
  });
});
