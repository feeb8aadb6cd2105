// The committed schema/gateway.schema.json matches the zod schema (regenerate with `npm run build && npm run schema`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayJsonSchema } from '../../../src/config/json-schema.js';

const committed = fileURLToPath(new URL('../../../schema/gateway.schema.json', import.meta.url));

describe('gateway JSON Schema', () => {
  it('is up to date with src/config/schema.ts', () => {
    expect(
      readFileSync(committed, 'utf8'),
      'schema/gateway.schema.json is stale: run `npm run build && npm run schema` and commit it',
    ).toBe(gatewayJsonSchema());
  });

  it('describes the input side: defaults optional, unknown keys refused, upstream.url required', () => {
    const schema = JSON.parse(gatewayJsonSchema()) as {
      required?: string[];
      additionalProperties: boolean;
      properties: Record<string, { required?: string[]; properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.required).toEqual(['upstream']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.upstream?.required).toEqual(['url']);
    expect(schema.properties.server?.required ?? []).toEqual([]);
    expect(schema.properties.upstream?.properties?.connections?.default).toBe(128);
  });
});
