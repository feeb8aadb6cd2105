// Count registers a text declares and uses only as numbers: `\the\c` and `\number\c` of such a register give
// digits, so `\csname prefix\the\c\endcsname` builds a name of letters and digits, never one TeX would run as
// a primitive. Anything else done with the name (passed to a macro, defined, aliased) disqualifies it: `\the`
// of a macro or a token register gives tokens, which \csname expands.

/** Contexts a count register is read or assigned in; each use of `\name` must sit in one of them. */
function usesPattern(name: string): RegExp {
  const n = name.replace(/[@]/g, '\\@');
  return new RegExp(
    [
      // read: \the\c, \number\c, \ifnum\c, \advance\c, \multiply\c, \divide\c; compared or assigned from: <\c, =\c, >\c
      `(?:\\\\(?:the|number|ifnum|advance|multiply|divide|global\\\\advance)|[<=>])\\s*\\\\${n}(?![A-Za-z@])`,
      // assigned: \c=3, \c 3, \c=\d
      `\\\\${n}(?![A-Za-z@])\\s*(?:=\\s*)?(?:-?\\d|\\\\)`,
    ].join('|'),
    'g',
  );
}

const NAME = /[A-Za-z@]+/;

/** Whether `name` is declared by `\newcount\name` in `text` and every other mention of it reads or sets a number. */
export function isPlainCount(text: string, name: string): boolean {
  if (!NAME.test(name) || name.length > 64) return false;
  const decl = new RegExp(`\\\\newcount\\s*\\\\${name.replace(/@/g, '\\@')}(?![A-Za-z@])`, 'g');
  const declared = text.match(decl)?.length ?? 0;
  if (declared !== 1) return false;
  const all = text.match(new RegExp(`\\\\${name.replace(/@/g, '\\@')}(?![A-Za-z@])`, 'g'))?.length ?? 0;
  // An assignment from another register (`\c=\d`) is matched once as "assigned" and once for `\d` as "read";
  // the count compares mentions of this name only, so each mention is counted once by where it starts.
  const seen = new Set<number>();
  const re = usesPattern(name);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const at = m.index + m[0].lastIndexOf(`\\${name}`);
    const own = m[0].indexOf(`\\${name}`);
    seen.add(own === -1 ? at : m.index + own);
    re.lastIndex = m.index + 1;
  }
  return seen.size + declared === all;
}
