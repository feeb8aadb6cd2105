// Declared lifetimes: the restart-only keys come from the schema, docs/configuration.md lists the same ones,
// and a reloaded config keeps their running values and says which changed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { holdRestartOnly, restartOnlyKeysOf } from '../../../src/config/lifetimes.js';
import { loadConfigText } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';

const KEYS = restartOnlyKeysOf(configSchema);
const MINIMAL = 'upstream:\n  url: http://127.0.0.1:3000\n';
const load = (extra = '') => loadConfigText(MINIMAL + extra, 'g.yaml', {});

describe('restart-only keys', () => {
  it('are read from the schema', () => {
    expect(KEYS.map((k) => k.key)).toEqual([
      'server.listen',
      'server.max_header_bytes',
      'admin.listen',
      'store',
      'logging',
    ]);
    for (const k of KEYS) expect(k.why).not.toBe('');
  });

  it('are the ones docs/configuration.md lists, with the same reasons', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const section = docs.split('## Reload or restart')[1]!.split('\n\n')[2]!;
    const rows = [...section.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(KEYS.map((k) => [k.key, k.why]));
  });

  it('keep their running values in a reloaded config, and say which changed', () => {
    const running = load();
    const next = load('server:\n  listen: { port: 9999 }\n  max_inflight: 7\nlogging: { level: debug }\n');
    const held = holdRestartOnly(KEYS, running, next);
    expect(held.changed.map((k) => k.key)).toEqual(['server.listen', 'logging']);
    expect(held.config.server.listen).toEqual(running.server.listen);
    expect(held.config.logging).toEqual(running.logging);
    expect(held.config.server.max_inflight).toBe(7);
    expect(Object.isFrozen(held.config.server)).toBe(true);
  });

  it('leave a config with no restart-only change as it is', () => {
    const running = load();
    const next = load('server:\n  max_inflight: 7\n');
    const held = holdRestartOnly(KEYS, running, next);
    expect(held.changed).toEqual([]);
    expect(held.config).toBe(next);
  });
});
