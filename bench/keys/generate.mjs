// BENCH FIXTURES ONLY: writes the signing key, JWKS, long-lived token and API key that bench/jwt.yaml and
// bench/apikey.yaml accept. Never point a real gateway.yaml at these files: the private key is public.
// Usage (from the project folder): node bench/keys/generate.mjs   (overwrites the files beside this script)
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const out = (name, text) => writeFileSync(join(here, name), text);

// ES256 (short tokens). The gateway caches verified tokens, so after the first request the bench row measures
// the cache lookup, as repeat requests in production do; the algorithm hardly matters to the figures.
const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
const kid = 'portcullis-bench-es256';
const pub = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
const priv = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
out('bench-jwks.json', JSON.stringify({ keys: [pub] }, null, 2) + '\n');
out('bench-private.jwk.json', JSON.stringify(priv, null, 2) + '\n');

// Issuer and audience as in bench/jwt.yaml; expiry 2100-01-01 so the fixture never runs out.
const token = await new SignJWT({ tier: 'premium' })
  .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
  .setIssuer('https://bench.portcullis.invalid')
  .setAudience('portcullis-bench')
  .setSubject('bench-jwt-user')
  .setIssuedAt()
  .setExpirationTime(Date.UTC(2100, 0, 1) / 1000)
  .sign(privateKey);
out('bench-token.jwt', token + '\n');

// API key: the key in one file (the bench sends it), its SHA-256 goes into bench/apikey.yaml.
const key = `pcbench_${randomBytes(24).toString('base64url')}`;
out('bench-api-key.txt', key + '\n');
console.log(`API key sha256 (for bench/apikey.yaml): ${createHash('sha256').update(key, 'utf8').digest('hex')}`);
