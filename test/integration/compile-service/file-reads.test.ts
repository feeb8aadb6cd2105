// Each file-reading vector (test/vectors/signatures/file-read-paths.json) really reads a file in TeX Live: sent to
// the reference compile service's weakened mode (openin_any=a, raw specials), gateway off, the canary beside the
// job directories comes back (its text, hex, MD5, size or date), or the answer tells whether it exists, or the
// compile goes differently with and without it. The signatures refuse every one of them
// (test/unit/signatures/file-read-paths.test.ts); this proves they are worth refusing.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { compile, describeWithTex, startCompileService, type CompileService } from '../../helpers/compile-service.js';
import type { FileReadVector } from '../../unit/signatures/file-read-paths.test.js';

const { vectors } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/file-read-paths.json'), 'utf8'),
) as { vectors: FileReadVector[] };
const checked = vectors.filter((v) => v.checked !== false);

describeWithTex(
  'file-reading vectors read the canary in TeX Live (weakened service, no gateway)',
  { timeout: 120_000, concurrent: true },
  () => {
    let svc: CompileService;
    let bytes: Buffer;

    beforeAll(async () => {
      svc = await startCompileService({ weakened: true, timeoutMs: 30_000, concurrency: 8 });
      bytes = readFileSync(svc.canary!.path);
    });
    afterAll(async () => {
      await svc?.close();
    });

    it('checks at least 18 paths, and says why for each it cannot', ({ expect }) => {
      expect(checked.length).toBeGreaterThanOrEqual(18);
      for (const v of vectors.filter((x) => x.checked === false)) expect(v.why, v.id).toBeTruthy();
    });

    for (const v of checked) {
      it(`${v.layer}: ${v.id} (${v.path} path, ${v.oracle})`, async ({ expect }) => {
        const path = v.path === 'relative' ? '../canary.txt' : svc.canary!.path;
        const missing = v.path === 'relative' ? '../no-such-canary.txt' : join(svc.workDir, 'no-such-canary.txt');
        // a line drawn too: dvisvgm runs out of memory on a picture with nothing but a raw special in it
        const code = (p: string) => `${v.read}${v.show}\\draw (0,0) -- (1,1);`.replaceAll('$CANARY', p);
        const r = await compile(svc, code(path));
        const said = `${r.status} ${r.outcome} ${r.text.slice(0, 200)}`;
        switch (v.oracle) {
          case 'text':
            expect(r.text, said).toContain(svc.canary!.marker);
            break;
          case 'hex':
            expect(r.text.toUpperCase(), said).toContain(bytes.subarray(0, 12).toString('hex').toUpperCase());
            break;
          case 'md5':
            expect(r.text.toUpperCase(), said).toContain(
              `MD5-${createHash('md5').update(bytes).digest('hex').toUpperCase()}`,
            );
            break;
          case 'size':
            expect(r.text, said).toContain(`SIZE-${bytes.length}<`);
            break;
          case 'date':
            expect(r.text, said).toMatch(/DATE-D:\d{14}/);
            break;
          case 'exists': {
            expect(r.text, said).toContain('YES-EXISTS');
            const none = await compile(svc, code(missing));
            expect(none.text).not.toContain('YES-EXISTS');
            break;
          }
          case 'reads': {
            // the compile goes differently: its status and outcome, or the TeX error it stops at
            const none = await compile(svc, code(missing));
            const how = (a: typeof r) => `${a.status} ${a.outcome} ${a.status === 200 ? '' : a.text.slice(0, 300)}`;
            expect(how(r), `with the file: ${said}; without: ${how(none)}`).not.toBe(how(none));
            break;
          }
        }
      });
    }
  },
);
