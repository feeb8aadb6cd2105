// Path-typed keys are a schema notion (config/paths.ts pathString): the loader finds them through the schema,
// resolves them against the config file's folder and checks them on disk. A key that holds a path but was
// declared as a plain string would follow the working directory again: the guard below catches it by name.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../src/core/errors.js';
import { loadConfigText } from '../../../src/config/load.js';
import { pathProblem } from '../../../src/config/path-check.js';
import { pathKeysOf } from '../../../src/config/paths.js';
import { configSchema } from '../../../src/config/schema.js';
import { schemaLayers } from '../../../src/config/schema-keys.js';

const tmp = mkdtempSync(join(tmpdir(), 'pc-paths-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every string-valued key of the schema (`[]` for list items, `*` for record values). */
function stringKeys(schema: z.core.$ZodType): string[] {
  const out: string[] = [];
  const walk = (s: z.core.$ZodType, key: string, depth: number): void => {
    if (depth > 32) return;
    const layers = schemaLayers(s);
    const inner = layers[layers.length - 1]!;
    const at = (k: string) => (key === '' ? k : `${key}.${k}`);
    if (inner instanceof z.ZodString) out.push(key);
    else if (inner instanceof z.ZodObject) {
      for (const [k, c] of Object.entries(inner.shape as Record<string, z.core.$ZodType>)) walk(c, at(k), depth + 1);
    } else if (inner instanceof z.ZodArray) walk(inner.element, `${key}[]`, depth + 1);
    else if (inner instanceof z.ZodRecord) walk(inner.valueType, at('*'), depth + 1);
    else if (inner instanceof z.ZodUnion) {
      for (const o of inner.options as readonly z.core.$ZodType[]) walk(o, key, depth + 1);
    }
  };
  walk(schema, '', 0);
  return [...new Set(out)];
}

/** Names that say "this is a file or folder". */
const LOOKS_LIKE_A_PATH = /(^|[._])(file|files|dir|folder|database|log|events|path|paths)(\[\])?$/;
/**
 * String keys whose name looks like a path but are not config-relative filesystem paths: URL paths, and rule
 * file names/globs (relative to rules_dir, expanded by the signatures module).
 */
const NOT_FILESYSTEM = new Set(['upstream.health_path', 'routes[].path', 'checks.signatures.rule_files[]']);

describe('path-typed keys', () => {
  const keys = pathKeysOf(configSchema);
  const byKey = new Map(keys.map((k) => [k.key, k.meta]));

  it('are the ones the schema declares with pathString', () => {
    expect(Object.fromEntries(keys.map((k) => [k.key, k.meta.kind]))).toMatchObject({
      'checks.signatures.rules_dir': 'dir',
      'identity.api_keys.file': 'read',
      'identity.jwt.jwks_file': 'read',
      'geo.database': 'read',
      'geo.asn_database': 'read',
      'geo.anonymous_database': 'read',
      'reputation.allow_files[]': 'read',
      'reputation.deny_files[]': 'read',
      'reputation.bypass_files[]': 'read',
      'reputation.feeds[].file': 'read',
      'decisions.audit_log': 'write',
      'logging.events': 'write',
    });
    expect(byKey.get('logging.events')?.keywords).toEqual(['stdout', 'stderr']);
    expect(byKey.get('geo.database')?.keywords).toEqual(['embedded']);
  });

  it('include every string key whose name says it holds a file or folder', () => {
    const suspects = stringKeys(configSchema).filter((k) => LOOKS_LIKE_A_PATH.test(k) && !NOT_FILESYSTEM.has(k));
    expect(suspects.length).toBeGreaterThanOrEqual(12);
    const undeclared = suspects.filter((k) => !byKey.has(k));
    expect(undeclared, 'declare these with pathString() (src/config/paths.ts)').toEqual([]);
  });
});

describe('loading resolves relative paths against the config file folder', () => {
  const yaml = `upstream: { url: "http://127.0.0.1:1" }
logging: { events: logs/events.log }
decisions: { audit_log: stderr }
geo: { database: embedded, asn_database: /abs/asn.mmdb }
reputation: { deny_files: [lists/deny.txt, ../shared/deny.txt] }
checks: { signatures: { rules_dir: ./rules } }
identity: { api_keys: { file: keys.yaml } }
`;

  it('relative paths become absolute under baseDir; absolute paths and keywords stay', () => {
    const c = loadConfigText(yaml, 'gateway.yaml', {}, { baseDir: '/etc/portcullis' });
    expect(c.logging.events).toBe('/etc/portcullis/logs/events.log');
    expect(c.decisions.audit_log).toBe('stderr');
    expect(c.geo.database).toBe('embedded');
    expect(c.geo.asn_database).toBe('/abs/asn.mmdb');
    expect(c.reputation.deny_files).toEqual(['/etc/portcullis/lists/deny.txt', '/etc/shared/deny.txt']);
    expect(c.checks.signatures.rules_dir).toBe('/etc/portcullis/rules');
    expect(c.identity.api_keys.file).toBe('/etc/portcullis/keys.yaml');
  });

  it('the folder defaults to the one of the file named', () => {
    const c = loadConfigText(yaml, '/srv/gw/gateway.yaml', {});
    expect(c.logging.events).toBe('/srv/gw/logs/events.log');
  });

  it('no rules_dir: the shipped rules (resolved by the signatures module, not the working directory)', () => {
    const c = loadConfigText('upstream: { url: "http://127.0.0.1:1" }\n', '/srv/gw/gateway.yaml', {});
    expect(c.checks.signatures.rules_dir).toBeUndefined();
  });

  it('with checkFiles, every path is checked on disk and every problem reported at its value', () => {
    let error: unknown;
    try {
      loadConfigText(yaml, join(tmp, 'gateway.yaml'), {}, { checkFiles: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).issues.map((i) => `${i.line}:${i.col} ${i.path}`);
    expect(lines).toEqual([
      '4:42 geo.asn_database',
      '5:28 reputation.deny_files[0]',
      '5:44 reputation.deny_files[1]',
      '6:36 checks.signatures.rules_dir',
      '7:31 identity.api_keys.file',
    ]);
  });
});

describe('pathProblem', () => {
  it('read: a readable file', () => {
    const f = join(tmp, 'present.txt');
    writeFileSync(f, 'x');
    expect(pathProblem(f, 'read')).toBeNull();
    expect(pathProblem(join(tmp, 'absent.txt'), 'read')).toBe(`${join(tmp, 'absent.txt')} does not exist`);
    expect(pathProblem(tmp, 'read')).toBe(`${tmp} is a folder, not a file`);
    expect(pathProblem(join(f, 'below'), 'read')).toBe(`${join(f, 'below')} does not exist`);
  });

  it('dir: a folder', () => {
    expect(pathProblem(tmp, 'dir')).toBeNull();
    const f = join(tmp, 'file-not-folder');
    writeFileSync(f, 'x');
    expect(pathProblem(f, 'dir')).toBe(`${f} is not a folder`);
  });

  it('write: an existing file, or one whose folders can be created', () => {
    expect(pathProblem(join(tmp, 'new/deeper/events.log'), 'write')).toBeNull();
    mkdirSync(join(tmp, 'logs'));
    expect(pathProblem(join(tmp, 'logs'), 'write')).toBe(`${join(tmp, 'logs')} is a folder, not a file`);
    const f = join(tmp, 'a-file');
    writeFileSync(f, 'x');
    expect(pathProblem(join(f, 'events.log'), 'write')).toBe(
      `cannot create ${join(f, 'events.log')}: ${f} is not a folder`,
    );
  });
});
