// `npm run demo` as a newcomer meets it: the printed curl lines are run as printed and give their statuses —
// with the real compile service when TeX is installed, with the fixture when it is not (PATH without TeX) —
// it binds 127.0.0.1 and says so, prints the security events, and a busy port gets a hint, not a stack.
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { run, type Running } from '../helpers/process.js';
import { missingTex } from '../../src/demo/backend.js';

const sh = promisify(execFile);
let demo: Running | null = null;
afterEach(async () => {
  demo?.child.kill('SIGTERM');
  await demo?.exited;
  demo = null;
});

/** Runs every printed curl line and checks the status it announces; returns the lines' expected statuses. */
async function runLines(d: Running): Promise<number[]> {
  const lines = d.stdout.split('\n').filter((l) => l.startsWith('curl ') || l.startsWith('for '));
  const expects = lines.map((l) => Number(/# expect (\d{3})/.exec(l)?.[1]));
  for (const [i, line] of lines.entries()) {
    const { stdout } = await sh('bash', ['-c', line], { timeout: 60_000 });
    expect(stdout.trim().endsWith(`-> ${expects[i]}`), `${line}\n=> ${stdout}`).toBe(true);
  }
  return expects;
}

const texMissing = missingTex();
const texNote = `TeX is not installed here (missing ${texMissing.join(', ')}); scripts/install-test-deps.sh installs it`;
if (texMissing.length > 0 && process.env.CI === 'true') throw new Error(texNote);
if (texMissing.length > 0) console.warn(`skipping the demo with real compiles: ${texNote}`);

describe('demo', () => {
  it.skipIf(texMissing.length > 0)(
    'with TeX: says it compiles for real, and every printed line gives its status (forwarded, 403, 400, 415, 429)',
    async () => {
      demo = run([], { GATEWAY_PORT: '0', ADMIN_PORT: '0' }, 'dist/demo/demo.js');
      await demo.waitFor(/Ctrl-C stops both/, 60_000);
      expect(demo.stdout).toMatch(/compile backend: .*reference compile service.*latex \+ dvisvgm/);
      const first = demo.stdout.split('\n').find((l) => l.startsWith('curl ') && l.includes('# expect 200'))!;
      const svg = (await sh('bash', ['-c', first.replace("-o /dev/null -w '-> %{http_code}\\n' ", '')])).stdout;
      expect(svg).toMatch(/<svg[\s>]/);
      expect(svg).not.toContain('not a TeX compiler');
      const expects = await runLines(demo);
      for (const s of [200, 403, 400, 415, 429]) expect(expects).toContain(s);
      // the security events are printed: the signature refusal names its rule
      await demo.waitFor(/"latex\.shell-escape\.write18"/);
    },
    240_000,
  );

  it('without TeX on PATH: falls back to the fixture, says why, and the lines still give their statuses', async () => {
    demo = run([], { GATEWAY_PORT: '0', ADMIN_PORT: '0', PATH: '/nonexistent' }, 'dist/demo/demo.js');
    await demo.waitFor(/Ctrl-C stops both/, 60_000);
    expect(demo.stdout).toMatch(/compile backend: .*fixture upstream.*not a TeX compiler.*missing latex, dvisvgm/);
    const expects = await runLines(demo);
    expect(expects).toContain(200);
    expect(expects).toContain(429);
  }, 120_000);

  it('binds 127.0.0.1 by default and prints what it bound', async () => {
    demo = run([], { GATEWAY_PORT: '0', ADMIN_PORT: '0', DEMO_BACKEND: 'fixture' }, 'dist/demo/demo.js');
    const m = await demo.waitFor(/listening on 127\.0\.0\.1:(\d+) \(this address only\)/, 60_000);
    const port = Number(m[1]);
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
    if (other === undefined) return; // no other interface to try from
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, other);
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    expect(refused, `the demo answered on ${other}:${port}`).toBe(true);
  }, 60_000);

  it('a busy port: exit 1 with the port, the variable to change and an example, no stack trace', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const d = run([], { GATEWAY_PORT: String(port), ADMIN_PORT: '0', DEMO_BACKEND: 'fixture' }, 'dist/demo/demo.js');
      expect(await d.exited).toBe(1);
      expect(d.stderr).toContain(`127.0.0.1:${port}`);
      expect(d.stderr).toMatch(/already in use/);
      expect(d.stderr).toContain(`GATEWAY_PORT=${port + 1} npm run demo`);
      expect(d.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
