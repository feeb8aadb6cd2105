// ${VAR} / ${VAR:-default} interpolation of gateway.yaml scalar values, done on the YAML tree before validation.
import { parseDocument, isScalar, visit, type Document, type Scalar } from 'yaml';

/** Result of expanding one string: the text, or the first problem found in it. */
export type Expansion =
  | { readonly ok: true; readonly value: string; readonly onlyVariables: boolean; readonly changed: boolean }
  | { readonly ok: false; readonly message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands every `${NAME}` and `${NAME:-default}` in `text`; `$${` is a literal `${`.
 * `:-` takes the default when the variable is unset or empty, as POSIX shells do.
 * `onlyVariables` is true when no literal text surrounds the expressions (the value came wholly from them).
 */
export function expandString(text: string, env: NodeJS.ProcessEnv): Expansion {
  let out = '';
  let literal = false;
  let expressions = 0;
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at === -1) {
      out += text.slice(i);
      literal = true;
      break;
    }
    if (at > i) literal = true;
    out += text.slice(i, at);
    if (text.startsWith('$${', at)) {
      out += '${';
      literal = true;
      i = at + 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      out += '$';
      literal = true;
      i = at + 1;
      continue;
    }
    const close = text.indexOf('}', at + 2);
    if (close === -1) return { ok: false, message: `unterminated "\${" (write "$\${" for a literal "\${")` };
    const body = text.slice(at + 2, close);
    const expanded = expandExpression(body, env);
    if (!expanded.ok) return expanded;
    out += expanded.value;
    expressions++;
    i = close + 1;
  }
  return { ok: true, value: out, onlyVariables: expressions > 0 && !literal, changed: out !== text };
}

function expandExpression(body: string, env: NodeJS.ProcessEnv): { ok: true; value: string } | Expansion {
  const sep = body.indexOf(':-');
  const name = sep === -1 ? body : body.slice(0, sep);
  if (!NAME.test(name)) {
    return { ok: false, message: `invalid variable reference "\${${body}}" (names are [A-Za-z_][A-Za-z0-9_]*)` };
  }
  if (sep !== -1) {
    const fallback = body.slice(sep + 2);
    // A default is literal text: nesting would need a real parser, and a clear error beats a surprise.
    if (fallback.includes('${'))
      return { ok: false, message: `nested "\${" in the default of \${${name}} is not supported` };
    const value = env[name];
    return { ok: true, value: value === undefined || value === '' ? fallback : value };
  }
  const value = env[name];
  if (value === undefined) {
    return {
      ok: false,
      message: `environment variable ${name} is not set (give a default with \${${name}:-value})`,
    };
  }
  return { ok: true, value };
}

/**
 * Types a wholly-interpolated plain scalar as YAML would have typed the same text (8080 -> number,
 * true -> boolean). Only non-string results are taken, so a variable can never inject YAML structure.
 */
export function retype(text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || doc.warnings.length > 0 || !isScalar(doc.contents)) return text;
  // The scalar must be the whole text: "8080 # note" or " 8080" stay strings rather than losing characters.
  const [start, end] = doc.contents.range ?? [0, 0];
  if (start !== 0 || end !== text.length) return text;
  const value: unknown = doc.contents.value;
  return typeof value === 'string' ? text : value;
}

export interface InterpolationProblem {
  readonly node: Scalar;
  readonly message: string;
}

/** Expands variables in every scalar value of `doc` in place (keys are left alone); returns the problems. */
export function interpolateDocument(doc: Document, env: NodeJS.ProcessEnv): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string') return;
      const expansion = expandString(node.value, env);
      if (!expansion.ok) {
        problems.push({ node, message: expansion.message });
        return;
      }
      if (!expansion.changed) return;
      node.value = node.type === 'PLAIN' && expansion.onlyVariables ? retype(expansion.value) : expansion.value;
    },
  });
  return problems;
}
