// The CLI's words: every command has a help text naming it, and --version is package.json's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, helpOf, isCommand, USAGE, version } from '../../../src/cli/usage.js';
import { ROOT } from '../../helpers/process.js';

describe('CLI usage', () => {
  it.each(COMMANDS)('%s has a help text that starts with its own usage line and is listed', (command) => {
    expect(helpOf(command)).toMatch(new RegExp(`^usage: portcullis ${command}`));
    expect(USAGE).toContain(`  ${command} `);
  });

  it('knows its commands and nothing else', () => {
    expect(isCommand('check')).toBe(true);
    expect(isCommand('chek')).toBe(false);
    expect(isCommand('')).toBe(false);
  });

  it('reports the version package.json holds', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version()).toBe(pkg.version);
  });
});
