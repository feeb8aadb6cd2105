// The reference compile service's hardening: file reads, shell escape and dvisvgm specials are stopped in the
// hardened mode and work in the weakened mode (so a test vector is known to work before the gateway stops it).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { compile, describeWithTex, startCompileService, type CompileService } from '../../helpers/compile-service.js';

/** A few compiles per test: seconds each on a loaded 2-core machine (the suite runs files in parallel). */
const COMPILE_TEST_MS = 60_000;

interface Attack {
  readonly name: string;
  readonly code: string;
  /** passwd | canary | compiles | flag, or a literal string looked for in the answer */
  readonly shows: string;
  readonly hardened: 'present' | 'absent';
  readonly weakened: 'present' | 'absent';
}

const attacks = JSON.parse(readFileSync(new URL('./attacks.json', import.meta.url), 'utf8')) as Attack[];
const passwdFirstLine = (readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? '').trim();

// The attacks are independent compiles: run at once (each service has slots for all of them).
describeWithTex('compile service: hardened vs weakened', { timeout: COMPILE_TEST_MS, concurrent: true }, () => {
  let hardened: CompileService;
  let weakened: CompileService;
  let hardenedMarker: string;

  beforeAll(async () => {
    [hardened, weakened] = await Promise.all([
      startCompileService({ timeoutMs: 50_000, concurrency: 16 }),
      startCompileService({ weakened: true, timeoutMs: 50_000, concurrency: 16 }),
    ]);
    // The hardened service has no canary of its own: plant one at the same place, so "absent" means something.
    hardenedMarker = `HARDENED-CANARY-${randomBytes(8).toString('hex')}`;
    writeFileSync(join(hardened.workDir, 'canary.txt'), `${hardenedMarker}\n`);
  });
  afterAll(async () => {
    await Promise.all([hardened?.close(), weakened?.close()]);
  });

  it('the weakened service exposes a canary file beside its job directories, the hardened one none', ({ expect }) => {
    expect(hardened.canary).toBeUndefined();
    const c = weakened.canary!;
    expect(c.path).toBe(join(weakened.workDir, 'canary.txt'));
    expect(readFileSync(c.path, 'utf8').trim()).toBe(c.marker);
    expect(c.marker).toMatch(/^PORTCULLIS-CANARY-[0-9a-f]{24}$/);
  });

  for (const mode of ['hardened', 'weakened'] as const) {
    for (const a of attacks) {
      it(`${mode}: ${a.name} -> ${a[mode]}`, async ({ expect }) => {
        const svc = mode === 'hardened' ? hardened : weakened;
        const flag = join(tmpdir(), `pc-write18-${randomBytes(6).toString('hex')}`);
        const r = await compile(svc, a.code.replaceAll('$FLAG', flag).replaceAll('$WORKDIR', svc.workDir));
        let present: boolean;
        switch (a.shows) {
          case 'passwd':
            expect(passwdFirstLine.length).toBeGreaterThan(0);
            present = r.text.includes(passwdFirstLine);
            break;
          case 'canary':
            present = r.text.includes(mode === 'hardened' ? hardenedMarker : weakened.canary!.marker);
            break;
          case 'compiles':
            present = r.status === 200 && r.outcome === 'ok';
            if (!present) expect([r.status, r.outcome]).toEqual([422, 'tex_error']);
            break;
          case 'flag':
            present = existsSync(flag);
            rmSync(flag, { force: true });
            // The \write18 is ignored (disabled or not on the restricted list), not an error: the picture compiles.
            expect(r.outcome).toBe('ok');
            break;
          default:
            present = r.text.includes(a.shows);
        }
        expect(present, `${r.status} ${r.outcome} ${r.text.slice(0, 300)}`).toBe(a[mode] === 'present');
      });
    }
  }

  it('hardened: reading the system file answers a TeX error that names no path of the server', async ({ expect }) => {
    const r = await compile(hardened, '\\node {\\input{/etc/passwd}};');
    expect(r.status).toBe(422);
    const body = JSON.parse(r.text) as { outcome: string; error: string };
    expect(body.outcome).toBe('tex_error');
    expect(body.error).toMatch(/^! LaTeX Error: File `.*passwd.*' not found\.$/);
    expect(r.text).not.toContain(hardened.workDir);
    expect(r.text).not.toContain(tmpdir() + '/');
  });
});
