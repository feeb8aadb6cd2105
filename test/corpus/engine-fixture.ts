// Builds the signature engine the way the shipped gateway.yaml does (default config with shown_text on, shipped rules), and
// turns a TeX sample into what the engine sees for POST /compile with `tikz_code`.
import { join } from 'node:path';
import { signaturesConfigSchema, type SignaturesConfig } from '../../src/signatures/config.js';
import { loadSignatureEngine } from '../../src/signatures/build.js';
import type { InspectInput, SignatureEngine } from '../../src/signatures/engine.js';

export const REPO = join(import.meta.dirname, '../..');

/**
 * `costRoutes`: the routes whose cost check refuses by its estimate; gateway.yaml's enforces on `compile`, so its
 * cost-input rules score as LOW there (pass an empty set for a gateway without the cost check).
 */
export function shippedEngine(
  overrides: Partial<SignaturesConfig> = {},
  costRoutes: ReadonlySet<string> = new Set(['compile']),
): SignatureEngine {
  // gateway.yaml turns shown_text on (the reference compile service's template allows it)
  const cfg = { ...signaturesConfigSchema.parse({}), shown_text: true, ...overrides };
  return loadSignatureEngine(cfg, ['compile'], REPO, costRoutes);
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
