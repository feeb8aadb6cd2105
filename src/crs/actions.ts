// SecLang action lists: `id:942100,phase:2,block,t:none,msg:'a, b',setvar:'tx.x=+%{tx.y}'` -> name/value pairs.

export interface RawAction {
  readonly name: string;
  /** The value after `:`, unquoted (`'...'` with `\'` escapes); '' when there is none. */
  readonly value: string;
}

/** Splits an action list on commas outside single quotes; the error names the column of the fault. */
export function parseActions(text: string): { actions: RawAction[]; error: string | null } {
  const actions: RawAction[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
    if (i >= n) break;
    let name = '';
    while (i < n && text[i] !== ':' && text[i] !== ',') name += text[i++];
    name = name.trim();
    let value = '';
    if (text[i] === ':') {
      i++;
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      if (text[i] === "'") {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '\\' && text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          if (c === "'") {
            closed = true;
            i++;
            break;
          }
          value += c;
          i++;
        }
        if (!closed) return { actions, error: `unterminated quote in action ${name}` };
        while (i < n && text[i] !== ',') i++;
      } else {
        while (i < n && text[i] !== ',') value += text[i++];
        value = value.trim();
      }
    }
    if (name === '') return { actions, error: 'empty action name' };
    actions.push({ name: name.toLowerCase(), value });
  }
  return { actions, error: null };
}
