// What the reader takes as shown text is not run by TeX (test/vectors/signatures/shown-text.json): each `shown`
// diagram, its \verb texts replaced by a raw special that would put a marker into the SVG, compiled on the
// reference compile service's weakened mode (raw specials allowed), gateway off: the marker never comes back.
// A control compiles the same special outside \verb: the marker does come back, so its absence means something.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { shownVerbs } from '../../../src/signatures/transforms/tex-shown.js';
import { compile, describeWithTex, startCompileService, type CompileService } from '../../helpers/compile-service.js';

const { shown } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/shown-text.json'), 'utf8'),
) as { shown: string[] };

const MARK = 'SHOWN-MARK';
const RUN = `\\special{dvisvgm:raw <!--${MARK}-->}`; // no '/', '!' or '|': fits inside any vector's delimiters

/** The diagram with every shown \verb's text replaced by RUN (delimiters kept). */
function armed(tex: string): string {
  let out = '';
  let at = 0;
  for (const [start, end] of shownVerbs(tex)) {
    const open = tex.indexOf(tex[end - 1]!, start + 5 + (tex[start + 5] === '*' ? 1 : 0));
    out += tex.slice(at, open + 1) + RUN + tex[end - 1];
    at = end;
  }
  return out + tex.slice(at);
}

describeWithTex('shown text is not run (weakened service, no gateway)', { timeout: 120_000, concurrent: true }, () => {
  let svc: CompileService;
  beforeAll(async () => {
    svc = await startCompileService({ weakened: true, timeoutMs: 30_000, concurrency: 6 });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('control: the special outside \\verb puts the marker in the SVG', async ({ expect }) => {
    const r = await compile(svc, `\\node {${RUN}x}; \\draw (0,0) -- (1,1);`);
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    expect(r.text).toContain(MARK);
  });

  shown.forEach((tex, k) => {
    it(`shown ${k}: compiles, and the \\verb text is typeset, not run`, async ({ expect }) => {
      const code = armed(tex);
      expect(code, 'every shown \\verb armed').toContain(RUN);
      expect(code.split(RUN).length - 1).toBe(shownVerbs(tex).size);
      // as sent: the service wraps code with no picture of its own in a tikzpicture environment
      const draw = '\\draw (0,0) -- (1,1);';
      const whole = code.includes('\\begin{tikzpicture}')
        ? `${code}\n\\begin{tikzpicture}${draw}\\end{tikzpicture}`
        : `${code}\n${draw}`;
      const r = await compile(svc, whole);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      expect(r.text).not.toContain(MARK);
    });
  });
});
