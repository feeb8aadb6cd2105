// expl3's names for the engine primitives (test/vectors/signatures/expl3-primitives.json): the tex transform reads
// `\tex_filedump:D` as `\pdffiledump`, so the primitive's rules refuse it; and the table of renamed primitives
// (src/signatures/transforms/expl3-primitives.ts, scripts/derive-expl3-primitives.mjs) is what l3kernel says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveRenamed } from '../../../scripts/derive-expl3-primitives.mjs';
import { EXPL3_RENAMED } from '../../../src/signatures/transforms/expl3-primitives.js';
import { expl3Primitive } from '../../../src/signatures/transforms/tex-expl3.js';
import { texNormalise } from '../../../src/signatures/transforms/tex.js';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const { pairs } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/expl3-primitives.json'), 'utf8'),
) as { pairs: { expl3: string; primitive: string }[] };

const ON = '\\ExplSyntaxOn ';

describe('expl3 names of the primitives', () => {
  it('names a primitive only in the exact form <prefix>_<letters>:D', () => {
    expect(expl3Primitive('tex_input:D')).toBe('input');
    expect(expl3Primitive('tex_filedump:D')).toBe('pdffiledump');
    expect(expl3Primitive('pdftex_pdffiledump:D')).toBe('pdffiledump');
    expect(expl3Primitive('luatex_directlua:D')).toBe('directlua');
    for (const no of ['tex_input:N', 'tex_input', 'foo_input:D', 'tex_:D', 'tex__input:D', 'tex_in_put:D', 'tex'])
      expect(expl3Primitive(no), no).toBeNull();
  });

  it('reads each as its primitive: the same normalised text', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(20);
    for (const { expl3, primitive } of pairs)
      expect(texNormalise(ON + expl3), expl3).toBe(texNormalise(ON + primitive));
  });

  it('refuses each, in expl3 syntax, as its primitive is refused', () => {
    const engine = shippedEngine();
    for (const { expl3, primitive } of pairs) {
      expect(engine.inspect(compileRequest(ON + primitive), true).deny, primitive).toBe(true);
      expect(engine.inspect(compileRequest(`${ON}${expl3} \\ExplSyntaxOff`), true).deny, expl3).toBe(true);
    }
  });

  it('leaves the names alone in ordinary text and other expl3 functions', () => {
    const engine = shippedEngine();
    for (const ok of ['\\node {tex_input:D};', '\\ExplSyntaxOn \\tex_relax:D \\fp_eval:n {1+1} \\ExplSyntaxOff'])
      expect(engine.inspect(compileRequest(ok), true).deny, ok).toBe(false);
  });

  it('has the renamed primitives of the installed l3kernel (when TeX Live is here)', ({ skip }) => {
    let file = '';
    try {
      file = execFileSync('kpsewhich', ['expl3-code.tex'], { encoding: 'utf8' }).trim();
    } catch {
      // no TeX Live: the checked-in table stands
    }
    if (file === '') return skip('kpsewhich finds no expl3-code.tex');
    const { renamed, all } = deriveRenamed(readFileSync(file, 'utf8'));
    expect(all).toBeGreaterThan(300);
    expect(Object.fromEntries(EXPL3_RENAMED)).toEqual(Object.fromEntries(renamed));
  });
});
