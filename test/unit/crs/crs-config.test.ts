// checks.crs in gateway.yaml: off by default, a dir required unless off, exclusions checked at their line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';

function file(yaml: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'crs-config-')), 'gateway.yaml');
  writeFileSync(f, `upstream: { url: 'http://127.0.0.1:9' }\n${yaml}`);
  return f;
}

describe('checks.crs', () => {
  it('is off by default', async () => {
    const c = await loadConfigFile(file(''), {});
    expect(c.checks.crs).toMatchObject({ mode: 'off', paranoia_level: 1, anomaly_threshold: 5, exclusions: [] });
  });

  it('reports every problem at its line: no dir, paranoia level out of range, unknown target, empty exclusion', async () => {
    const f = file(`checks:
  crs:
    mode: enforce
    paranoia_level: 5
    exclusions:
      - { rules: ['942100'], fields: ['NO_SUCH_VAR:x'] }
      - { fields: [title] }
`);
    const err = await loadConfigFile(f, {}).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).not.toBeNull();
    const msg = err!.message;
    expect(msg).toMatch(/gateway\.yaml:4:5 checks\.crs: checks\.crs needs a dir unless mode is off/);
    expect(msg).toMatch(/gateway\.yaml:5:21 checks\.crs\.paranoia_level: must be at most 4/);
    expect(msg).toMatch(
      /gateway\.yaml:7:39 checks\.crs\.exclusions\[0\]\.fields\[0\]: a field name \(title\) or a CRS target/,
    );
    expect(msg).toMatch(/gateway\.yaml:8:9 checks\.crs\.exclusions\[1\]: an exclusion names at least one rule or tag/);
  });

  it('refuses enforce without a dir', async () => {
    const err = await loadConfigFile(file('checks:\n  crs: { mode: enforce }\n'), {}).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/checks\.crs.*needs a dir unless mode is off/);
  });
});
