// Identity check: API keys and JWTs (RS256, ES256, HS256) valid, wrong, expired and forged; the token cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { FakeClock } from '../../../src/core/clock.js';
import { RequestContext } from '../../../src/core/context.js';
import { Resources } from '../../../src/core/resources.js';
import type { Check } from '../../../src/core/check.js';
import type { TerminalVerdict, Verdict } from '../../../src/core/verdict.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildIdentityCheck } from '../../../src/checks/identity.js';
import { sha256Hex } from '../../../src/identity/api-keys.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const NOW = 1_800_000_000_000;
const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
let dir: string;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-identity-'));
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  stranger = await generateKeyPair('RS256');
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec1', alg: 'ES256', use: 'sig' },
  ];
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys }));
  writeFileSync(join(dir, 'keys.yaml'), `- { sha256: ${sha256Hex('file-key')}, user: carol, tier: premium }\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(clock: FakeClock): Check {
  const config = configSchema.parse({
    upstream: { url: 'http://127.0.0.1:1' },
    identity: {
      api_keys: {
        keys: [{ sha256: sha256Hex('good-key'), user: 'alice', tier: 'premium' }],
        file: join(dir, 'keys.yaml'),
      },
      jwt: {
        enabled: true,
        jwks_file: join(dir, 'jwks.json'),
        hs256_secret: SECRET,
        algorithms: ['RS256', 'ES256', 'HS256'],
        issuer: 'https://issuer.test',
        audience: 'portcullis',
        clock_tolerance_s: 5,
      },
    },
  });
  const deps = {
    store: new MemoryStore({ maxKeys: 10, clock }),
    clock,
    log: createLogger('silent'),
    resources: new Resources(),
  };
  return buildIdentityCheck(config, deps)!;
}

const ctxWith = (headers: Record<string, string>) => new RequestContext('GET', headers, 0);

async function run(check: Check, ctx: RequestContext): Promise<Verdict> {
  return await check.run(ctx);
}

interface TokenOptions {
  alg?: 'RS256' | 'ES256' | 'HS256';
  key?: CryptoKey | Uint8Array;
  kid?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  claims?: Record<string, unknown>;
}

function token(o: TokenOptions = {}): Promise<string> {
  const alg = o.alg ?? 'RS256';
  const key =
    o.key ?? (alg === 'RS256' ? rsa.privateKey : alg === 'ES256' ? ec.privateKey : new TextEncoder().encode(SECRET));
  const kid = o.kid ?? (alg === 'RS256' ? 'rsa1' : alg === 'ES256' ? 'ec1' : undefined);
  return new SignJWT({ sub: 'bob', ...o.claims })
    .setProtectedHeader(kid !== undefined ? { alg, kid } : { alg })
    .setIssuer(o.iss ?? 'https://issuer.test')
    .setAudience(o.aud ?? 'portcullis')
    .setIssuedAt(Math.floor(NOW / 1000) - 10)
    .setExpirationTime(o.exp ?? Math.floor(NOW / 1000) + 600)
    .sign(key);
}

const status = (v: Verdict) =>
  v.kind === 'continue' ? 'continue' : `${v.status} ${(v as TerminalVerdict).reasons.join(',')}`;

describe('identity: API keys', () => {
  it('a known key sets user and tier; keys from the keys file count too', async () => {
    const check = build(new FakeClock(NOW));
    const ctx = ctxWith({ 'x-api-key': 'good-key' });
    expect(status(await run(check, ctx))).toBe('continue');
    expect(ctx.identity).toEqual({ user: 'alice', tier: 'premium', method: 'api_key' });
    const ctx2 = ctxWith({ 'x-api-key': 'file-key' });
    await run(check, ctx2);
    expect(ctx2.identity.user).toBe('carol');
  });

  it('a wrong key is 401, never anonymous', async () => {
    const check = build(new FakeClock(NOW));
    for (const bad of ['good-ke', 'good-key ', '', 'x'.repeat(600)]) {
      const v = await run(check, ctxWith({ 'x-api-key': bad }));
      expect(status(v)).toBe('401 identity:invalid_api_key');
      expect((v as TerminalVerdict).headers?.['www-authenticate']).toContain('ApiKey');
    }
  });

  it('no credentials: anonymous', async () => {
    const check = build(new FakeClock(NOW));
    const ctx = ctxWith({});
    expect(status(await run(check, ctx))).toBe('continue');
    expect(ctx.identity.method).toBe('anonymous');
  });
});

describe('identity: JWT', () => {
  it('valid RS256, ES256 and HS256 tokens set the user; the tier comes from its claim', async () => {
    const check = build(new FakeClock(NOW));
    for (const alg of ['RS256', 'ES256', 'HS256'] as const) {
      const ctx = ctxWith({ authorization: `Bearer ${await token({ alg, claims: { tier: 'premium' } })}` });
      expect(status(await run(check, ctx)), alg).toBe('continue');
      expect(ctx.identity).toEqual({ user: 'bob', tier: 'premium', method: 'jwt' });
    }
    const plain = ctxWith({ authorization: `Bearer ${await token()}` });
    await run(check, plain);
    expect(plain.identity.tier).toBe('authenticated');
  });

  it('expired tokens are 401 expired (past the tolerance), not before', async () => {
    const clock = new FakeClock(NOW);
    const check = build(clock);
    const exp = Math.floor(NOW / 1000) - 4; // within the 5 s tolerance
    expect(status(await run(check, ctxWith({ authorization: `Bearer ${await token({ exp })}` })))).toBe('continue');
    const old = await token({ exp: Math.floor(NOW / 1000) - 6 });
    const v = await run(check, ctxWith({ authorization: `Bearer ${old}` }));
    expect(status(v)).toBe('401 identity:expired_token');
    expect((v as TerminalVerdict).headers?.['www-authenticate']).toContain('invalid_token');
  });

  it('forged tokens are 401: a stranger key, a tampered payload, alg none, an HS256 token signed with the public key', async () => {
    const check = build(new FakeClock(NOW));
    const forged = [
      await token({ key: stranger.privateKey }),
      (await token()).replace(
        /\.([^.]+)\./,
        (_m, p: string) => `.${p.slice(0, -2)}${p.endsWith('A') ? 'B' : 'A'}${p.slice(-1)}.`,
      ),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"bob","exp":9999999999}').toString('base64url')}.`,
      await token({ alg: 'HS256', key: new TextEncoder().encode('some-other-secret-that-is-long-enough!') }),
      'not.a.jwt',
      'garbage',
    ];
    for (const t of forged)
      expect(status(await run(check, ctxWith({ authorization: `Bearer ${t}` }))), t).toBe('401 identity:invalid_token');
  });

  it('wrong issuer or audience, or no user claim, is 401', async () => {
    const check = build(new FakeClock(NOW));
    for (const t of [
      await token({ iss: 'https://evil.test' }),
      await token({ aud: 'someone-else' }),
      await token({ claims: { sub: undefined } }),
    ]) {
      expect(status(await run(check, ctxWith({ authorization: `Bearer ${t}` })))).toBe('401 identity:invalid_token');
    }
  });

  it('a verified token is answered from the cache synchronously, until it expires', async () => {
    const clock = new FakeClock(NOW);
    const check = build(clock);
    const t = await token({ exp: Math.floor(NOW / 1000) + 60 });
    const first = check.run(ctxWith({ authorization: `Bearer ${t}` }));
    expect(first).toBeInstanceOf(Promise);
    await first;
    const again = check.run(ctxWith({ authorization: `Bearer ${t}` }));
    expect(again).not.toBeInstanceOf(Promise);
    expect(status(again as Verdict)).toBe('continue');
    clock.advance(66_000); // past exp + 5 s tolerance
    expect(status(await run(check, ctxWith({ authorization: `Bearer ${t}` })))).toBe('401 identity:expired_token');
  });

  it('a forged token repeated is refused from the cache', async () => {
    const check = build(new FakeClock(NOW));
    const t = await token({ key: stranger.privateKey });
    await run(check, ctxWith({ authorization: `Bearer ${t}` }));
    const again = check.run(ctxWith({ authorization: `Bearer ${t}` }));
    expect(again).not.toBeInstanceOf(Promise);
    expect(status(again as Verdict)).toBe('401 identity:invalid_token');
  });

  it('other Authorization schemes are not ours and pass as anonymous', async () => {
    const check = build(new FakeClock(NOW));
    const ctx = ctxWith({ authorization: 'Basic dXNlcjpwYXNz' });
    expect(status(await run(check, ctx))).toBe('continue');
    expect(ctx.identity.method).toBe('anonymous');
  });
});
