// rate_limits config: absent = off, present = enforce with the shipped tiers; problems at their positions.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../../src/config/schema.js';
import { loadConfigFile } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/core/errors.js';

const UP = { upstream: { url: 'http://127.0.0.1:1' } };

async function problems(yaml: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-rl-config-'));
  try {
    writeFileSync(join(dir, 'g.yaml'), yaml);
    await loadConfigFile(join(dir, 'g.yaml'), {});
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => formatIssue({ ...i, file: 'g.yaml' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('rate_limits config', () => {
  it('is off when absent, and enforces the shipped tiers when present but empty', () => {
    expect(configSchema.parse(UP).rate_limits.mode).toBe('off');
    const on = configSchema.parse({ ...UP, rate_limits: {} }).rate_limits;
    expect(on.mode).toBe('enforce');
    expect(Object.keys(on.tiers)).toEqual(['anonymous', 'authenticated', 'premium', 'suspicious']);
    expect(on.tiers.anonymous!.in_flight).toBe(5);
    expect(
      on.tiers.premium!.limits.map((l) => (l.algorithm === 'gcra' ? [l.rate, l.burst] : [l.limit, l.window_s])),
    ).toEqual([
      [100, 50],
      [100, 3600],
      [1000, 86400],
    ]);
  });

  it('reports a missing default tier and duplicate limit names where they are', async () => {
    const got = await problems(`upstream: { url: "http://127.0.0.1:1" }
rate_limits:
  default_tier: nobody
  tiers:
    anonymous:
      limits:
        - { name: a, algorithm: gcra, rate: 1, burst: 1 }
        - { name: a, algorithm: sliding_window, limit: 1, window_s: 60 }
`);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^g\.yaml:3:17 rate_limits\.default_tier: "nobody" is not one of the tiers/);
    expect(got[1]).toMatch(/^g\.yaml:8:\d+ rate_limits\.tiers\.anonymous\.limits\[1\]\.name: duplicate limit name "a"/);
  });

  it('reports limits on routes that do not exist (when rate limits are on)', async () => {
    const yaml = (mode: string) => `upstream: { url: "http://127.0.0.1:1" }
routes:
  - { name: compile, path: /compile }
rate_limits:
  mode: ${mode}
  tiers:
    anonymous:
      limits:
        - { name: a, algorithm: gcra, rate: 1, burst: 1, routes: [compile, compyle] }
`;
    const got = await problems(yaml('enforce'));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(
      /^g\.yaml:9:\d+ rate_limits\.tiers\.anonymous\.limits\[0\]\.routes\[1\]: no route "compyle" \(did you mean "compile"\?\)/,
    );
    expect(await problems(yaml('off'))).toEqual([]);
  });

  it('rejects unknown algorithms and keys', async () => {
    const got = await problems(`upstream: { url: "http://127.0.0.1:1" }
rate_limits:
  tiers:
    anonymous:
      limits:
        - { name: a, algorithm: leaky, rate: 1 }
      in_flite: 3
`);
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got.join('\n')).toMatch(/in_flite/);
  });
});
