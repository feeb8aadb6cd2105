// `portcullis start` and `check` with a configuration that cannot be read: one clear line naming the file and
// the reason (no stack trace), exit code 1, for both commands alike. Runs the built CLI (dist/).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/process.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-ops-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['start', 'check'])('portcullis %s with an unreadable configuration', (command) => {
  it('a missing file: one line "<file>: cannot read configuration: ENOENT ...", exit 1', async () => {
    const file = join(dir, 'missing.yaml');
    const p = run([command, '--config', file]);
    expect(await p.exited).toBe(1);
    expect(p.stderr).toBe(`${file}: cannot read configuration: ENOENT: no such file or directory\n`);
    expect(p.stdout).toBe('');
  });

  it('a folder instead of a file: the same kind of line, exit 1', async () => {
    const p = run([command, '--config', dir]);
    expect(await p.exited).toBe(1);
    expect(p.stderr).toMatch(
      new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read configuration: EISDIR\\b[^\\n]*\\n$`),
    );
  });
});
