// scripts/derive-allowlists.mjs: names read from Debian file lists as the loading commands spell them, and the
// checked-in result (rules/allowlists/texlive.yaml) whole: its sources are the collections, its lists sorted sets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COLLECTIONS, librariesOf, namesOf } from '../../../scripts/derive-allowlists.mjs';

const T = './usr/share/texlive/texmf-dist/';

describe('derived allow-lists', () => {
  it('reads packages, classes and every kind of library from a file list', () => {
    const n = namesOf([
      `${T}tex/latex/tikz-cd/tikz-cd.sty`,
      `${T}tex/latex/standalone/standalone.cls`,
      `${T}tex/generic/pgf/libraries/decorations/tikzlibrarydecorations.pathmorphing.code.tex`,
      `${T}tex/generic/pgfplots/libs/tikzlibrarypgfplots.groupplots.code.tex`,
      `${T}tex/generic/pgf/libraries/pgflibraryshapes.geometric.code.tex`,
      `${T}tex/generic/pgf/modules/pgfmoduleshapes.code.tex`,
      `${T}tex/generic/pgf/graphdrawing/lua/pgf/gd/force/library.lua`,
      `${T}doc/latex/foo/example.sty`, // documentation, not something \\usepackage finds
      './usr/share/doc/foo/bar.sty',
    ]);
    expect([...n.packages]).toEqual(['tikz-cd']);
    expect([...n.classes]).toEqual(['standalone']);
    expect([...n.libraries].sort()).toEqual(
      ['decorations.pathmorphing', 'force', 'groupplots', 'pgfplots.groupplots', 'shapes', 'shapes.geometric'].sort(),
    );
    expect(librariesOf(`${T}tex/generic/pgf/frontendlayer/tikz/tikz.code.tex`)).toEqual([]);
  });

  it('the checked-in file comes from the collections, as sorted sets', () => {
    const d = parse(
      readFileSync(join(import.meta.dirname, '../../../rules/allowlists/texlive.yaml'), 'utf8'),
    ) as Record<string, string[]>;
    expect(d['sources']!.map((s) => s.split(' ')[0])).toEqual(COLLECTIONS);
    for (const k of ['packages', 'classes', 'libraries']) {
      const xs = d[k]!;
      expect(xs.length, k).toBeGreaterThan(200);
      expect(new Set(xs).size, k).toBe(xs.length);
      expect(xs, k).toEqual([...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  });
});
