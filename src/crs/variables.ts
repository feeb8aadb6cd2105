// SecLang target lists: `ARGS|!ARGS:foo|&TX:x|REQUEST_HEADERS:/^x-/|XML:/*` -> parsed targets.

export interface TargetSpec {
  /** Collection or variable name, upper case (`ARGS`, `REQUEST_URI`). */
  readonly name: string;
  /** Key selector: null for the whole collection; a string (compared ignoring case) or a regex source. */
  readonly key: string | null;
  readonly keyIsRegex: boolean;
  /** `!VAR:key`: removes keys from the rule's other targets of that collection. */
  readonly exclude: boolean;
  /** `&VAR`: the number of matching entries instead of their values. */
  readonly count: boolean;
}

export function parseTargets(text: string): { targets: TargetSpec[]; error: string | null } {
  const targets: TargetSpec[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let exclude = false;
    let count = false;
    if (text[i] === '!') {
      exclude = true;
      i++;
    }
    if (text[i] === '&') {
      count = true;
      i++;
    }
    let name = '';
    while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) name += text[i++];
    if (name === '') return { targets, error: `expected a variable name at offset ${i} of ${JSON.stringify(text)}` };
    let key: string | null = null;
    let keyIsRegex = false;
    if (text[i] === ':' || text[i] === '.') {
      i++;
      if (text[i] === '/' && !(name.toUpperCase() === 'XML')) {
        // A regex key runs to the next unescaped '/' that ends the target.
        i++;
        let src = '';
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '\\' && i + 1 < n) {
            src += c + text[i + 1]!;
            i += 2;
            continue;
          }
          if (c === '/' && (i + 1 === n || text[i + 1] === '|')) {
            closed = true;
            i++;
            break;
          }
          src += c;
          i++;
        }
        if (!closed) return { targets, error: `unterminated regex key in ${JSON.stringify(text)}` };
        key = src;
        keyIsRegex = true;
      } else if (text[i] === "'") {
        i++;
        let k = '';
        while (i < n && text[i] !== "'") k += text[i++];
        if (i >= n) return { targets, error: `unterminated quoted key in ${JSON.stringify(text)}` };
        i++;
        key = k;
      } else {
        let k = '';
        while (i < n && text[i] !== '|') k += text[i++];
        key = k;
      }
    }
    targets.push({ name: name.toUpperCase(), key, keyIsRegex, exclude, count });
    if (i < n) {
      if (text[i] !== '|') return { targets, error: `expected '|' at offset ${i} of ${JSON.stringify(text)}` };
      i++;
    }
  }
  return { targets, error: null };
}
