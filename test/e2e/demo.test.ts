// `npm run demo` as a newcomer meets it: the printed curl lines are run as printed and give their statuses.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { run, type Running } from '../helpers/process.js';

const sh = promisify(execFile);
let demo: Running | null = null;
afterAll(async () => {
  demo?.child.kill('SIGTERM');
  await demo?.exited;
});

describe('demo', () => {
  it('prints curl lines that produce the statuses they announce (one forwarded, refusals)', async () => {
    demo = run([], { GATEWAY_PORT: '0', ADMIN_PORT: '0' }, 'dist/demo/demo.js');
    await demo.waitFor(/Ctrl-C stops both/);
    expect(demo.stdout).toMatch(/not a TeX compiler/);
    const lines = demo.stdout.split('\n').filter((l) => l.startsWith('curl '));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const expects = lines.map((l) => Number(/# expect (\d{3})/.exec(l)?.[1]));
    expect(expects).toContain(200);
    expect(expects.filter((s) => s === 400).length).toBeGreaterThanOrEqual(1);
    for (const [i, line] of lines.entries()) {
      const { stdout } = await sh('bash', ['-c', line], { timeout: 10_000 });
      expect(stdout.trim().endsWith(`-> ${expects[i]}`), `${line}\n=> ${stdout}`).toBe(true);
    }
  });
});
