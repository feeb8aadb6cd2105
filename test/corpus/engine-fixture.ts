// Builds the signature engine the way the shipped gateway.yaml does (default config with shown_text on, shipped rules), and
// turns a TeX sample into what the engine sees for POST /compile with `tikz_code`.
import { join } from 'node:path';
import { signaturesConfigSchema, type SignaturesConfig } from '../../src/signatures/config.js';
import { loadSignatureEngine } from '../../src/signatures/build.js';
import type { InspectInput, SignatureEngine } from '../../src/signatures/engine.js';

export const REPO = join(import.meta.dirname, '../..');

export function shippedEngine(overrides: Partial<SignaturesConfig> = {}): SignatureEngine {
  // gateway.yaml turns shown_text on (the reference compile service's template allows it)
  const cfg = { ...signaturesConfigSchema.parse({}), shown_text: true, ...overrides };
  return loadSignatureEngine(cfg, ['compile'], REPO);
}

export function compileRequest(code: string, tier = 'anonymous'): InspectInput {
  return {
    route: 'compile',
    tier,
    path: '/compile',
    query: '',
    headers: { host: 'localhost', 'content-type': 'application/json', 'user-agent': 'portcullis-test/1' },
    fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }],
    body: null,
  };
}
