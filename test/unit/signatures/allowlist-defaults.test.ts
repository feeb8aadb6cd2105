// The allow-list defaults file (rules/allowlists/defaults.yaml): shipped contents, errors with positions, kept out of rule globs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadAllowlistDefaults, SHIPPED_ALLOWLISTS_FILE } from '../../../src/signatures/allowlist-defaults.js';
import { ruleFilesOf } from '../../../src/signatures/build.js';
import { signaturesConfigSchema } from '../../../src/signatures/config.js';
import { buildAllowlist } from '../../../src/signatures/policy.js';

const REPO = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'portcullis-allowlists-'));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function issuesOf(file: string): ConfigError {
  try {
    loadAllowlistDefaults(file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('shipped allow-list defaults', () => {
  const d = loadAllowlistDefaults();

  it('is the file under rules/allowlists, with the names of the TeX Live collections derived beside it', () => {
    expect(SHIPPED_ALLOWLISTS_FILE).toBe(join(REPO, 'rules', 'allowlists', 'defaults.yaml'));
    // derived (rules/allowlists/texlive.yaml): thousands of packages, every PGF library, pgfplots' with and
    // without their prefix; listed by hand: names from outside the collections (fonts, newer PGF libraries)
    expect(d.packages.length).toBeGreaterThan(3000);
    expect(d.packages).toEqual(
      expect.arrayContaining(['tikz', 'pgfplots', 'circuitikz', 'tikz-cd', 'lmodern', 'siunitx']),
    );
    expect(d.libraries).toEqual(
      expect.arrayContaining(['3d', 'arrows.meta', 'calc', 'nfold', 'quantikz', 'pgfplots.groupplots', 'groupplots']),
    );
    expect(d.classes).toEqual(expect.arrayContaining(['standalone', 'article', 'tikzposter', 'beamer']));
    expect(d.inputs).toContain('tikz.code');
  });

  it('allows nothing that exists to run programs or read files', () => {
    for (const p of [
      'minted',
      'pythontex',
      'shellesc',
      'luacode',
      'catchfile',
      'filecontents',
      'bashful',
      'csvsimple',
    ]) {
      expect(d.packages).not.toContain(p);
    }
    for (const l of ['external', 'pgfplots.external', 'clickable', 'pgfplots.clickable'])
      expect(d.libraries).not.toContain(l);
  });

  it('is frozen, and an unchanged file is parsed once', () => {
    expect(Object.isFrozen(d.packages)).toBe(true);
    expect(loadAllowlistDefaults()).toBe(d);
  });

  it('tiers add to the defaults or replace them', () => {
    const added = buildAllowlist(
      { replace_defaults: false, packages: ['mypkg'], libraries: [], classes: [], inputs: [] },
      d,
    );
    expect(added.packages?.has('mypkg')).toBe(true);
    expect(added.packages?.has('tikz')).toBe(true);
    const replaced = buildAllowlist(
      { replace_defaults: true, packages: ['mypkg'], libraries: ['*'], classes: [], inputs: [] },
      d,
    );
    expect(replaced.packages?.has('tikz')).toBe(false);
    expect(replaced.libraries).toBeNull();
  });

  it('is not picked up as a rule file by the shipped rule_files glob', () => {
    const cfg = signaturesConfigSchema.parse({ rules_dir: 'rules', rule_files: ['*.yaml'] });
    const files = ruleFilesOf(cfg, REPO);
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((f) => f.includes('allowlists'))).toBe(false);
  });
});

describe('a bad allow-list file', () => {
  it('reports a wrong type with file:line:col', () => {
    const file = write('type.yaml', 'packages:\n  - tikz\nlibraries: calc\nclasses: []\ninputs: []\n');
    const err = issuesOf(file);
    expect(err.code).toBe('GW_ERR_CONFIG');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file, line: 3, path: 'libraries' });
    expect(err.message).toContain(`${file}:3:`);
  });

  it('reports an unknown (misspelt) key at the key, and the missing list', () => {
    const file = write('key.yaml', 'packages: [tikz]\nlibrary: [calc]\nclasses: []\ninputs: []\n');
    const err = issuesOf(file);
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file, line: 2, col: 1, path: 'library', message: 'unknown key "library"' }),
        expect.objectContaining({ path: 'libraries' }),
      ]),
    );
  });

  it('reports an empty name and YAML syntax errors with positions', () => {
    const empty = issuesOf(write('empty.yaml', "packages: [tikz, '']\nlibraries: []\nclasses: []\ninputs: []\n"));
    expect(empty.issues[0]).toMatchObject({ line: 1, path: 'packages[1]' });
    const syntax = issuesOf(write('syntax.yaml', 'packages: [tikz\nlibraries: []\n'));
    expect(syntax.issues.length).toBeGreaterThan(0);
    expect(syntax.issues[0]!.line).toBeGreaterThanOrEqual(1);
    const dup = issuesOf(write('dup.yaml', 'packages: []\npackages: []\nlibraries: []\nclasses: []\ninputs: []\n'));
    expect(dup.issues[0]).toMatchObject({ line: 2 });
  });

  it('reports a missing file as a ConfigError naming it', () => {
    const file = join(dir, 'absent.yaml');
    const err = issuesOf(file);
    expect(err.issues[0]).toMatchObject({ file, line: 1, col: 1 });
    expect(err.issues[0]!.message).toContain('cannot read allow-list defaults');
  });

  it('a corrected file is read again (a reload sees the edit)', () => {
    const file = write('edit.yaml', 'packages: [a]\nlibraries: []\nclasses: []\ninputs: []\n');
    expect(loadAllowlistDefaults(file).packages).toEqual(['a']);
    writeFileSync(file, 'packages: [a, b]\nlibraries: []\nclasses: []\ninputs: []\n');
    expect(loadAllowlistDefaults(file).packages).toEqual(['a', 'b']);
  });
});

describe('a derived allow-list file', () => {
  const derived = (name: string, text: string) => write(name, text);

  it('adds its names to the listed ones, and never-listed names leave both', () => {
    derived(
      'd1.yaml',
      'sources: [texlive-x 1]\npackages: [a, bad, c, c-more]\nclasses: [k]\nlibraries: [l1, external]\n',
    );
    const file = write(
      'hand1.yaml',
      'derived: d1.yaml\npackages: [b, bad2]\nlibraries: []\nclasses: []\ninputs: [i]\n' +
        'never:\n  packages: [bad, bad2, "c*"]\n  libraries: [external]\n',
    );
    const got = loadAllowlistDefaults(file);
    expect([...got.packages].sort()).toEqual(['a', 'b']); // `c*` takes out c and c-more
    expect(got.libraries).toEqual(['l1']);
    expect(got.classes).toEqual(['k']);
    expect(got.inputs).toEqual(['i']);
  });

  it('a missing or bad derived file is a ConfigError at its own file:line:col', () => {
    const missing = issuesOf(
      write('hand2.yaml', 'derived: nowhere.yaml\npackages: []\nlibraries: []\nclasses: []\ninputs: []\n'),
    );
    expect(missing.issues[0]).toMatchObject({ file: join(dir, 'nowhere.yaml'), line: 1, col: 1 });
    expect(missing.issues[0]!.message).toContain('cannot read the derived allow-list nowhere.yaml');
    const bad = derived('d3.yaml', 'sources: [texlive-x 1]\npackages: [a]\nclasses: []\nlibrary: []\n');
    const err = issuesOf(
      write('hand3.yaml', 'derived: d3.yaml\npackages: []\nlibraries: []\nclasses: []\ninputs: []\n'),
    );
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: bad, line: 4, col: 1, message: 'unknown key "library"' }),
        expect.objectContaining({ file: bad, path: 'libraries' }),
      ]),
    );
  });

  it('a regenerated derived file is read again', () => {
    const d = derived('d4.yaml', 'sources: [texlive-x 1]\npackages: [a]\nclasses: []\nlibraries: []\n');
    const file = write('hand4.yaml', 'derived: d4.yaml\npackages: []\nlibraries: []\nclasses: []\ninputs: []\n');
    expect(loadAllowlistDefaults(file).packages).toEqual(['a']);
    writeFileSync(d, 'sources: [texlive-x 2]\npackages: [a, z]\nclasses: []\nlibraries: []\n');
    expect(loadAllowlistDefaults(file).packages).toEqual(['a', 'z']);
  });
});
