// Detection at the engine: the generated attack corpus (test/corpus/attacks.ts), each body decoded the way
// the body phase does it (src/body/decode.ts) and inspected as POST /compile. Every one must be refused: by the
// signatures, or, for the payloads one literal makes costly, by the cost estimate (the rules only score those).
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/body/decode.js';
import type { BodyLimits } from '../../src/body/limits.js';
import { estimateFields } from '../../src/cost/estimate.js';
import { BODY_ENCODINGS, COST_PAYLOADS, SCORED_ONLY, texAttacks, webAttacks } from './attacks.js';
import { shippedEngine } from './engine-fixture.js';

const LIMITS: BodyLimits = {
  codeFields: new Set(['tikz_code']),
  maxFieldChars: 10_000,
  maxCodeFieldBytes: 102_400,
  maxBatchItems: 100,
  maxDepth: 32,
};

const engine = shippedEngine();
/** The shipped gateway.yaml's cost maximum for anonymous clients, and its default bound. */
const MAX_UNITS = 100_000;
const COST = { defaultBound: 1000 };

function decoded(contentType: string, body: string) {
  const d = decodeBody(Buffer.from(body), contentType.split(';')[0]!.trim(), LIMITS);
  if (!d.ok) throw new Error(`body did not decode (${d.code}): ${body.slice(0, 80)}`);
  return d.body;
}

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
    let byCost = 0;
    let scored = 0;
    for (const a of tex) {
      const payload = a.id.split('/')[1]!;
      for (const [name, enc] of Object.entries(BODY_ENCODINGS)) {
        const e = enc(a.tex);
        total++;
        const r = inspect(e.contentType, e.body);
        if (r.deny) continue;
        if (SCORED_ONLY.has(payload) && r.score > 0) {
          scored++; // seen and scored (a cost input), not refused on its own
          continue;
        }
        if (
          COST_PAYLOADS.has(payload) &&
          estimateFields(decoded(e.contentType, e.body).fields, COST).units > MAX_UNITS
        ) {
          byCost++;
          continue;
        }
        missed.push(`${a.id} [${name}] score ${r.score} ${r.reasons.join(',')}`);
      }
    }
    console.log(
      `TeX attacks refused: ${total - missed.length - scored}/${total - scored} (${byCost} of them by the cost estimate alone); ${scored} big literals scored, not refused`,
    );
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
