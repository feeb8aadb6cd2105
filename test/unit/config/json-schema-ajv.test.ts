// The editor schema, checked by a third-party validator (ajv, strict, with ajv-formats) as editors check it:
// the shipped gateway.yaml and the good vectors pass as written (with their ${VAR} expressions), and the
// keys ajv flags in the bad vectors are keys the loader flags too, named by their path.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const vectors = `${root}test/vectors/config/`;
// ajv-formats is CommonJS with a default export; under NodeNext the callable is one level down.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function validator() {
  const schema = JSON.parse(readFileSync(`${root}schema/gateway.schema.json`, 'utf8')) as object;
  // strict: an unknown keyword or format (zod's own "starts_with") is a compile error, not a silent pass.
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}
const validate = validator();

/** `/routes/1` + additionalProperty `inspect` -> `routes[1].inspect`, the loader's way of naming a key. */
function keyPath(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1);
  const extra = e.keyword === 'additionalProperties' ? [String(e.params.additionalProperty)] : [];
  return [...parts, ...extra].map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function errorsOf(text: string): ErrorObject[] {
  return validate(parse(text)) ? [] : [...(validate.errors ?? [])];
}

/** Paths named by the loader's expected messages ("file:1:2 upstream.timeout: unknown key ..."). */
function expectedPaths(name: string): Set<string> {
  const lines = readFileSync(`${vectors}${name}.expected`, 'utf8').trim().split('\n');
  return new Set(lines.map((l) => /^\S+ ([^:]+):/.exec(l)?.[1] ?? l));
}

describe('schema/gateway.schema.json under ajv', () => {
  it('accepts the shipped gateway.yaml as written, ${VAR:-...} values included', () => {
    const errors = errorsOf(readFileSync(`${root}gateway.yaml`, 'utf8'));
    expect(errors.map((e) => `${keyPath(e)} ${e.message}`)).toEqual([]);
  });

  it.each(['good-minimal', 'good-full', 'good-bounds'])('accepts the vector %s', (name) => {
    expect(errorsOf(readFileSync(`${vectors}${name}.yaml`, 'utf8'))).toEqual([]);
  });

  it('names every misspelt key, the same keys the loader names', () => {
    const errors = errorsOf(readFileSync(`${vectors}bad-unknown-keys.yaml`, 'utf8'));
    expect(errors.every((e) => e.keyword === 'additionalProperties')).toBe(true);
    expect(new Set(errors.map(keyPath))).toEqual(expectedPaths('bad-unknown-keys'));
  });

  it('flags wrong types and bounds only where the loader does', () => {
    const errors = errorsOf(readFileSync(`${vectors}bad-types.yaml`, 'utf8'));
    const flagged = new Set(errors.map(keyPath));
    const loader = expectedPaths('bad-types');
    for (const p of flagged) expect(loader, `ajv flags ${p}, the loader does not`).toContain(p);
    for (const p of ['server.listen.port', 'upstream.connections', 'refusals.disclose', 'logging.level', 'store'])
      expect(flagged).toContain(p);
  });

  it('takes ${VAR} where numbers, booleans, enums and URLs go, and still refuses plain wrong text there', () => {
    const ok = [
      'upstream: { url: "${UPSTREAM_URL}" }\nserver:\n  listen:\n    port: ${PORT:-8080}',
      'upstream: { url: "http://${HOST}:3000" }\nstore: { type: "${STORE_TYPE:-memory}" }',
      'upstream: { url: "http://a" }\nroutes: [{ name: c, path: /c, inspect_body: "${INSPECT:-true}" }]',
    ];
    for (const text of ok) expect(errorsOf(text), text).toEqual([]);
    const bad: Array<[string, string]> = [
      ['upstream: { url: "http://a" }\nserver: { listen: { port: "80a" } }', 'server.listen.port'],
      ['upstream: { url: "http://a" }\nserver: { listen: { port: "8080 ${X}" } }', 'server.listen.port'],
      ['upstream: { url: "not a url" }', 'upstream.url'],
      ['upstream: { url: "http://a" }\nstore: { type: memroy }', 'store.type'],
      ['upstream: { url: "http://a" }\nupstream_url: x', 'upstream_url'],
    ];
    for (const [text, path] of bad) expect(errorsOf(text).map(keyPath), text).toContain(path);
  });
});
