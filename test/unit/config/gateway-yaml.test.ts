// The gateway.yaml shipped at the repository root loads as it is, with no environment variables set.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';

const shipped = fileURLToPath(new URL('../../../gateway.yaml', import.meta.url));

describe('shipped gateway.yaml', () => {
  it('is a valid configuration out of the box', async () => {
    // An empty environment: every ${VAR} in the shipped file must have a default.
    const config = await loadConfigFile(shipped, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.upstream.url).toMatch(/^https?:\/\//);
  });
});
