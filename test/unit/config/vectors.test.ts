// Every config vector under test/vectors/config loads, or fails with exactly the expected positioned messages.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/core/errors.js';
import { loadConfigText } from '../../../src/config/load.js';

const dir = fileURLToPath(new URL('../../vectors/config/', import.meta.url));
const env = { GW_TEST_PORT: '9000', GW_TEST_UPSTREAM: 'http://127.0.0.1:3000', GW_TEST_A: '' };
const files = readdirSync(dir).sort();
const bad = files.filter((f) => f.startsWith('bad-') && f.endsWith('.yaml'));
const good = files.filter((f) => f.startsWith('good-') && f.endsWith('.yaml'));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function load(name: string) {
  return loadConfigText(readFileSync(dir + name, 'utf8'), name, env);
}

describe('config vectors', () => {
  it('has vectors of both kinds', () => {
    expect(bad.length).toBeGreaterThanOrEqual(9);
    expect(good.length).toBeGreaterThanOrEqual(2);
  });

  it.each(bad)('%s fails with the expected messages', (name) => {
    const expected = readFileSync(dir + name.replace(/\.yaml$/, '.expected'), 'utf8')
      .trimEnd()
      .split('\n');
    let error: unknown;
    try {
      load(name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const actual = (error as ConfigError).issues.map(formatIssue);
    // "text..." in an .expected file matches any line starting with "text" (lists that grow with the schema).
    const matchers = expected.map((line) =>
      line.endsWith('...') ? expect.stringMatching(new RegExp(`^${escape(line.slice(0, -3))}`)) : line,
    );
    expect(actual).toEqual(matchers);
    expect((error as ConfigError).message).toBe(actual.join('\n'));
    expect((error as ConfigError).code).toBe('GW_ERR_CONFIG');
  });

  it.each(good)('%s loads', (name) => {
    expect(() => load(name)).not.toThrow();
  });

  it('reports every problem of a file at once, in source order', () => {
    const error = (() => {
      try {
        load('bad-types.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('bad-types.yaml loaded');
    })();
    expect(error.issues.length).toBe(22);
    const lines = error.issues.map((i) => i.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(new Set(error.issues.map((i) => i.path)).size).toBe(22);
  });
});
