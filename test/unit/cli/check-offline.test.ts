// `check`'s build, in-process (check-start.test.ts runs the same vectors as processes, which coverage cannot
// see): every broken vector is refused with exactly its expected positioned lines, and every shipped config builds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, GatewayError } from '../../../src/core/errors.js';
import { checkConfigFile, withBuildProblems } from '../../../src/runtime/check.js';
import { ROOT } from '../../helpers/process.js';

const VECTORS = join(ROOT, 'test/vectors/config/check-start');
const vectors = readdirSync(VECTORS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const ENV = { PATH: process.env.PATH ?? '' };

function expected(name: string): string[] {
  return readFileSync(join(VECTORS, name.replace(/\.yaml$/, '.expected')), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.replaceAll('{dir}', VECTORS));
}

/** An expected line ending in `...` is a prefix (an OS message follows). */
function matches(actual: readonly string[], want: readonly string[]): boolean {
  return (
    actual.length === want.length &&
    want.every((w, i) => (w.endsWith('...') ? actual[i]!.startsWith(w.slice(0, -3)) : actual[i] === w))
  );
}

describe('checkConfigFile (in-process)', () => {
  it.each(vectors)('refuses %s with its expected lines, all at once', async (name) => {
    const error = await checkConfigFile(join(VECTORS, name), ENV).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).message.split('\n');
    const want = expected(name);
    expect(matches(lines, want), `got:\n${lines.join('\n')}\nwant:\n${want.join('\n')}`).toBe(true);
  });

  it('accepts the shipped gateway.yaml and returns the loaded config', async () => {
    const config = await checkConfigFile(join(ROOT, 'gateway.yaml'), { ...ENV, ...process.env });
    expect(config.routes.length).toBeGreaterThan(0);
  });

  it('an unreadable file is a GatewayError, not a ConfigError with positions', async () => {
    const error = await checkConfigFile(join(VECTORS, 'no-such-file.yaml'), ENV).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).not.toBeInstanceOf(ConfigError);
  });

  it('withBuildProblems leaves anything but a refused load as it is', async () => {
    const plain = new Error('not a config problem');
    expect(await withBuildProblems(plain)).toBe(plain);
  });
});
