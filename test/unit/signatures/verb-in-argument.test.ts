// \verb inside a macro argument runs its text (LaTeX: "\verb illegal in argument", then TeX goes on): these stay
// refused whatever the reader learns about shown text (test/vectors/signatures/verb-in-argument.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const { refused } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/verb-in-argument.json'), 'utf8'),
) as { refused: string[] };

describe('\\verb in a macro argument', () => {
  const engine = shippedEngine();
  it('is code, not shown text: every vector is refused', () => {
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const tex of refused) expect(engine.inspect(compileRequest(tex), true).deny, tex).toBe(true);
  });
});
