// Text TeX only shows (test/vectors/signatures/shown-text.json): with checks.signatures.shown_text on, a \verb in a
// node's text reached through plain TikZ is read as text (the diagrams under `shown` pass), while every look-alike
// that TeX would run (`code`) stays refused; with it off, the reader is as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { texNormalise, texNormaliseShown } from '../../../src/signatures/transforms/tex.js';
import { shownVerbs } from '../../../src/signatures/transforms/tex-shown.js';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const { shown, code } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/shown-text.json'), 'utf8'),
) as { shown: string[]; code: string[] };

describe('shown text', () => {
  const on = shippedEngine({ shown_text: true });
  const off = shippedEngine({ shown_text: false });

  it('passes the diagrams that only show TeX code, and off refuses them as before', () => {
    expect(shown.length).toBeGreaterThanOrEqual(6);
    for (const tex of shown) {
      const r = on.inspect(compileRequest(tex), true);
      expect(r.deny, `${tex}: ${r.matches.map((m) => m.rule).join(', ')}`).toBe(false);
      expect(off.inspect(compileRequest(tex), true).deny, tex).toBe(true);
    }
  });

  it('refuses every look-alike that TeX runs', () => {
    expect(code.length).toBeGreaterThanOrEqual(12);
    for (const tex of code) expect(on.inspect(compileRequest(tex), true).deny, tex).toBe(true);
  });

  it('leaves out exactly the \\verb text, and nothing when off', () => {
    const t = '\\node {see \\verb|\\input x| and \\verb*+\\y+};';
    expect([...shownVerbs(t)]).toEqual([
      [t.indexOf('\\verb|'), t.indexOf('and') - 1],
      [t.indexOf('\\verb*'), t.indexOf('};')],
    ]);
    expect(texNormaliseShown(t)).toBe('\\node{see \\verb⟪shown⟫ and \\verb⟪shown⟫};');
    expect(texNormalise(t)).toContain('\\input x');
  });
});
