// The startup hint about the semi-space flag: silent when the operator passed any size, in argv or NODE_OPTIONS.
import { describe, expect, it } from 'vitest';
import { semiSpaceHint, SEMI_SPACE_FLAG } from '../../../src/core/node-flags.js';

describe('semiSpaceHint', () => {
  it('is silent when the flag is on the command line, with any value or spelling', () => {
    expect(semiSpaceHint([SEMI_SPACE_FLAG], undefined)).toBeNull();
    expect(semiSpaceHint(['--max-semi-space-size=64'], undefined)).toBeNull();
    expect(semiSpaceHint(['--max_semi_space_size=16'], '')).toBeNull();
  });

  it('is silent when NODE_OPTIONS carries it', () => {
    expect(semiSpaceHint([], '--enable-source-maps --max-semi-space-size=32')).toBeNull();
    expect(semiSpaceHint([], '--max-semi-space-size 32')).toBeNull();
  });

  it('names the flag and where it is documented when it is missing', () => {
    const hint = semiSpaceHint(['--enable-source-maps'], '--max-old-space-size=512');
    expect(hint).toContain(SEMI_SPACE_FLAG);
    expect(hint).toContain('Runtime flags');
  });

  it('is not fooled by a flag that merely starts the same way', () => {
    expect(semiSpaceHint(['--max-semi-space-sizes=32'], undefined)).not.toBeNull();
  });
});
