// loadConfigText / loadConfigFile: defaults, interpolation in context, positions, freezing, file errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, GatewayError } from '../../../src/core/errors.js';
import { loadConfigFile, loadConfigText } from '../../../src/config/load.js';
import type { SemanticRule } from '../../../src/config/validate.js';

const MINIMAL = 'upstream: { url: http://127.0.0.1:3000 }\n';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfigText(text, 'g.yaml', env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('config loaded');
}

describe('loadConfigText', () => {
  it('never echoes a credential: signing secrets, tokens, alert URLs', () => {
    const secret = 'whsec_NOT!BASE64-but-a-real-looking-secret';
    const slack = 'hxxps://hooks.slack.example/services/T000/B000/XXXXSECRET';
    const out = problems(
      `${MINIMAL}incidents:\n  alerts:\n    sinks:\n      - { type: webhook, name: a, url: "${slack}", secrets: ["${secret}"] }\n`,
    );
    expect(out).toHaveLength(2);
    expect(out.join('\n')).toMatch(/sinks\[0\]\.url: an http\(s\) URL \(value not shown\)/);
    expect(out.join('\n')).toMatch(/secrets\[0\]: .* \(value not shown\)/);
    expect(out.join('\n')).not.toContain('SECRET');
    expect(out.join('\n')).not.toContain('real-looking');
  });

  it('fills every default from the minimal config', () => {
    const c = loadConfigText(MINIMAL, 'g.yaml', {});
    expect(c.upstream.url).toBe('http://127.0.0.1:3000');
    expect(c.server.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.admin.listen).toEqual({ host: '127.0.0.1', port: 9091 });
    expect(c.routes).toEqual([]);
    expect(c.checks.headers.mode).toBe('enforce');
    expect(c.version).toBe(1);
  });

  it('returns a deeply frozen config', () => {
    const c = loadConfigText(
      MINIMAL + 'routes:\n  - { name: a, path: /a, methods: [GET] }\nadmin: { tokens: [t] }\n',
      'g.yaml',
      {},
    );
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.server.listen)).toBe(true);
    expect(Object.isFrozen(c.routes)).toBe(true);
    expect(Object.isFrozen(c.routes[0])).toBe(true);
    expect(Object.isFrozen(c.routes[0]!.methods)).toBe(true);
    expect(Object.isFrozen(c.admin.tokens)).toBe(true);
    expect(() => {
      (c.server.listen as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (c.routes as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it('re-types a plain scalar produced wholly by interpolation', () => {
    const text = MINIMAL + 'server:\n  listen:\n    port: ${GATEWAY_PORT:-8080}\n  case_insensitive_routes: ${CASE}\n';
    expect(loadConfigText(text, 'g.yaml', { CASE: 'true' }).server.listen.port).toBe(8080);
    const c = loadConfigText(text, 'g.yaml', { GATEWAY_PORT: '9999', CASE: 'false' });
    expect(c.server.listen.port).toBe(9999);
    expect(c.server.case_insensitive_routes).toBe(false);
  });

  it('keeps quoted and block scalars as strings', () => {
    const text = MINIMAL + 'admin:\n  tokens:\n    - "${N}"\n    - \'${N}\'\n    - |-\n      ${N}\n';
    expect(loadConfigText(text, 'g.yaml', { N: '1234' }).admin.tokens).toEqual(['1234', '1234', '1234']);
    expect(problems(MINIMAL + 'server:\n  listen:\n    port: "${P}"\n', { P: '80' })).toEqual([
      'g.yaml:4:11 server.listen.port: expected a number, got string "80"',
    ]);
  });

  it('interpolates inside values that also hold literal text, keeping them strings', () => {
    const text = 'upstream:\n  url: http://${H:-127.0.0.1}:${P:-3000}/\nadmin:\n  tokens:\n    - a${P:-1}\n';
    const c = loadConfigText(text, 'g.yaml', { P: '3001' });
    expect(c.upstream.url).toBe('http://127.0.0.1:3001/');
    expect(c.admin.tokens).toEqual(['a3001']);
  });

  it('does not interpolate keys, nor values from variables a second time', () => {
    expect(problems(MINIMAL + '${KEY}: 1\n', { KEY: 'routes' })).toEqual([
      expect.stringMatching(/^g\.yaml:2:1 \$\{KEY\}: unknown key "\$\{KEY\}"/),
    ]);
    const c = loadConfigText(MINIMAL + 'admin:\n  tokens:\n    - $${LITERAL}\n    - "${T}"\n', 'g.yaml', { T: '${X}' });
    expect(c.admin.tokens).toEqual(['${LITERAL}', '${X}']);
  });

  it('reports a missing variable once, at its scalar, without a follow-up type error', () => {
    expect(problems(MINIMAL + 'server:\n  listen:\n    port: ${NOPE}\n')).toEqual([
      'g.yaml:4:11 server.listen.port: environment variable NOPE is not set (give a default with ${NOPE:-value})',
    ]);
  });

  it('points an unknown key at the key itself, at any depth, one issue per key', () => {
    const text = MINIMAL + 'server:\n  listen:\n    lisen: 1\n    hots: x\nextra: 1\n';
    expect(problems(text)).toEqual([
      'g.yaml:4:5 server.listen.lisen: unknown key "lisen" (allowed: host, port)',
      'g.yaml:5:5 server.listen.hots: unknown key "hots" (did you mean "host"?) (allowed: host, port)',
      expect.stringMatching(/^g\.yaml:6:1 extra: unknown key "extra" \(allowed: version, server, upstream, /),
    ]);
  });

  it('points a missing key at its parent mapping, and an empty value at its key', () => {
    expect(problems('server: {}\nupstream:\n  connections: 3\n')).toEqual([
      'g.yaml:3:3 upstream: missing required key "url"',
    ]);
    expect(problems('upstream:\n')).toEqual(['g.yaml:1:1 upstream: expected a mapping, got null (empty value)']);
  });

  it('reports duplicate keys with both positions, and still validates the rest', () => {
    expect(problems(MINIMAL + 'logging:\n  level: info\n  level: debug\n  events: 3\n')).toEqual([
      'g.yaml:4:3 logging.level: duplicate key "level" (first defined at line 3, column 3)',
      'g.yaml:5:11 logging.events: expected a string, got number 3',
    ]);
  });

  it('reports YAML syntax errors with their position and stops there', () => {
    const out = problems('upstream:\n  url: "http://x\n');
    expect(out.length).toBeGreaterThan(0);
    expect(out).toEqual(['g.yaml:3:1 (yaml): Missing closing "quote']);
  });

  it('refuses several documents in one file', () => {
    expect(problems(MINIMAL + '---\n' + MINIMAL)[0]).toMatch(/^g\.yaml:\d+:\d+ \(yaml\): .*document/i);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      rows.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(problems(rows.join('\n') + '\n')[0]).toMatch(/^g\.yaml:1:1 \(yaml\): /);
  });

  it('refuses collections used as keys, at their position', () => {
    expect(problems(MINIMAL + 'logging:\n  [a, b]: 1\n')).toEqual([
      'g.yaml:3:3 (yaml): mapping keys must be plain names, not lists or mappings',
    ]);
  });

  it('supports YAML merge keys for shared route settings', () => {
    const text =
      MINIMAL +
      'routes:\n  - &base { name: a, path: /a, methods: [POST], max_body_bytes: 1000 }\n' +
      '  - { <<: *base, name: b, path: /b }\n';
    const c = loadConfigText(text, 'g.yaml', {});
    expect(c.routes[1]).toMatchObject({ name: 'b', path: '/b', methods: ['POST'], max_body_bytes: 1000 });
  });

  it('follows anchors and aliases when locating a problem', () => {
    // Zod finds the problem through the alias (routes[1]); the anchored node is where the bad text is.
    expect(problems(MINIMAL + 'routes: [&r { name: a, path: nope }, *r]\n')).toEqual([
      'g.yaml:2:30 routes[0].path: paths start with / and carry no query, got string "nope"',
      'g.yaml:2:30 routes[1].path: paths start with / and carry no query, got string "nope"',
    ]);
  });

  it('runs semantic rules only on a schema-valid config, and accepts custom rules', () => {
    const rule: SemanticRule = (c) => (c.admin.tokens.length === 0 ? [{ path: ['admin'], message: 'no tokens' }] : []);
    expect(() => loadConfigText(MINIMAL, 'g.yaml', {}, { rules: [rule] })).toThrow(/^g\.yaml:1:1 admin: no tokens$/);
    expect(loadConfigText(MINIMAL + 'admin: { tokens: [x] }\n', 'g.yaml', {}, { rules: [rule] }).admin.tokens).toEqual([
      'x',
    ]);
    const keyRule: SemanticRule = () => [{ path: ['upstream', 'url'], message: 'flagged', atKey: true }];
    expect(() => loadConfigText('upstream:\n  url: http://x\n', 'g.yaml', {}, { rules: [keyRule] })).toThrow(
      /^g\.yaml:2:3 upstream\.url: flagged$/,
    );
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads, interpolates from the given env, and names the file in errors', async () => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'upstream:\n  url: ${U}\n');
    expect((await loadConfigFile(file, { U: 'http://127.0.0.1:1' })).upstream.url).toBe('http://127.0.0.1:1');
    await expect(loadConfigFile(file, {})).rejects.toThrow(`${file}:2:8 upstream.url: environment variable U`);
  });

  it('throws GW_ERR_CONFIG_IO for an unreadable file', async () => {
    const missing = join(dir, 'nope.yaml');
    const error = await loadConfigFile(missing, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).not.toBeInstanceOf(ConfigError);
    expect((error as GatewayError).code).toBe('GW_ERR_CONFIG_IO');
    expect((error as GatewayError).message).toBe(
      `${missing}: cannot read configuration: ENOENT: no such file or directory`,
    );
    const isDir = await loadConfigFile(dir, {}).catch((e: unknown) => e);
    expect((isDir as GatewayError).code).toBe('GW_ERR_CONFIG_IO');
  });
});
