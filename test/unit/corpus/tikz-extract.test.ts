// The second corpus's extractor (scripts/lib/tikz-extract.mjs): whole tikzpicture environments, nested ones
// inside their outer picture, none that a comment hides, templates and cut pictures told apart.
import { describe, expect, it } from 'vitest';
import { extractTikzPictures, notWhole } from '../../../scripts/lib/tikz-extract.mjs';

describe('tikzpicture extraction', () => {
  it('takes each outermost picture whole, with its line, nested ones inside it', () => {
    const src = [
      'Text \\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture} more',
      '\\begin{tikzpicture}',
      '  \\node {\\begin{tikzpicture}\\fill (0,0) circle (1pt);\\end{tikzpicture}};',
      '\\end{tikzpicture}',
    ].join('\n');
    const got = extractTikzPictures(src);
    expect(got.map((p) => p.line)).toEqual([1, 2]);
    expect(got[0]!.text).toBe('\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}');
    expect(got[1]!.text.startsWith('\\begin{tikzpicture}\n  \\node {\\begin{tikzpicture}')).toBe(true);
    expect(got[1]!.text.endsWith('};\n\\end{tikzpicture}')).toBe(true);
  });

  it('skips what a comment hides, but not an escaped percent sign', () => {
    const src = [
      '% \\begin{tikzpicture} commented out',
      '50\\% \\begin{tikzpicture}\\draw (0,0) -- (1,0); % \\end{tikzpicture} in a comment',
      '\\end{tikzpicture}',
    ].join('\n');
    const got = extractTikzPictures(src);
    expect(got).toHaveLength(1);
    expect(got[0]!.line).toBe(2);
    expect(got[0]!.text.endsWith('in a comment\n\\end{tikzpicture}')).toBe(true);
  });

  it('leaves out a picture with no end, and an end with no begin', () => {
    expect(extractTikzPictures('\\end{tikzpicture} \\begin{tikzpicture} \\draw (0,0);')).toEqual([]);
  });

  it('tells templates and cut pictures from whole diagrams', () => {
    expect(notWhole('\\begin{tikzpicture}\\draw (0,0) -- (#1,0);\\end{tikzpicture}')).toMatch(/macro parameter/);
    expect(notWhole('\\begin{tikzpicture}\\node {\\#1};\\end{tikzpicture}')).toBeNull();
    expect(notWhole('\\begin{tikzpicture}\\begin{scope}\\draw (0,0);\\end{tikzpicture}')).toMatch(/scope/);
    expect(notWhole('\\begin{tikzpicture}\\begin{scope}\\draw (0,0);\\end{scope}\\end{tikzpicture}')).toBeNull();
  });
});
