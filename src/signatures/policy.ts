// The positive model: `\usepackage`, `\documentclass`, `\use...library` and plain `\input` names checked
// against the tier's allow-lists, on the TeX-normalised code. Anything else is refused with a policy reason.
import RE2 from 're2';
import { utf8 } from './bytes.js';
import type { AllowlistConfig } from './config.js';
import type { AllowlistDefaults } from './allowlist-defaults.js';

export type PolicyKind = 'package' | 'library' | 'class' | 'input';

export const POLICY_RULES: Readonly<Record<PolicyKind, string>> = Object.freeze({
  package: 'policy.package-not-allowed',
  library: 'policy.library-not-allowed',
  class: 'policy.class-not-allowed',
  input: 'policy.input-not-allowed',
});

export const POLICY_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  'policy.package-not-allowed': 'a \\usepackage / \\RequirePackage of a package not on the allow-list of this tier',
  'policy.library-not-allowed': 'a TikZ/PGF/pgfplots library or module not on the allow-list of this tier',
  'policy.class-not-allowed': 'a \\documentclass not on the allow-list of this tier',
  'policy.input-not-allowed': 'an \\input of a file that is not a known TikZ/PGF loader (plain TeX style)',
});

export interface Allowlist {
  readonly packages: ReadonlySet<string> | null;
  readonly libraries: ReadonlySet<string> | null;
  readonly classes: ReadonlySet<string> | null;
  readonly inputs: ReadonlySet<string> | null;
}

function list(defaults: readonly string[], extra: readonly string[], replace: boolean): ReadonlySet<string> | null {
  if (extra.includes('*')) return null;
  return new Set(replace ? extra : [...defaults, ...extra]);
}

/** A tier's lists: the defaults (rules/allowlists/defaults.yaml) plus, or replaced by, the tier's own. */
export function buildAllowlist(cfg: AllowlistConfig | undefined, defaults: AllowlistDefaults): Allowlist {
  const c = cfg ?? { replace_defaults: false, packages: [], libraries: [], classes: [], inputs: [] };
  return Object.freeze({
    packages: list(defaults.packages, c.packages, c.replace_defaults),
    libraries: list(defaults.libraries, c.libraries, c.replace_defaults),
    classes: list(defaults.classes, c.classes, c.replace_defaults),
    inputs: list(defaults.inputs, c.inputs, c.replace_defaults),
  });
}

export interface PolicyHit {
  readonly rule: string;
  readonly kind: PolicyKind;
  /** What was asked for (for explain and tests only: never put in reasons or events). */
  readonly name: string;
  readonly offset: number;
}

const KIND_OF: Readonly<Record<string, PolicyKind>> = Object.freeze({
  usepackage: 'package',
  RequirePackage: 'package',
  RequirePackageWithOptions: 'package',
  documentclass: 'class',
  LoadClass: 'class',
  LoadClassWithOptions: 'class',
  usetikzlibrary: 'library',
  usepgflibrary: 'library',
  usegdlibrary: 'library',
  usepgfplotslibrary: 'library',
  usepgfmodule: 'library',
  input: 'input',
});

// Fixed code patterns on normalised text (linear: no nested quantifiers).
const USE =
  /\\(usepackage|RequirePackage(?:WithOptions)?|documentclass|LoadClass(?:WithOptions)?|usetikzlibrary|usepgflibrary|usegdlibrary|usepgfplotslibrary|usepgfmodule|input)(?![A-Za-z@])/g;
const QUICK = /\\(?:use|Require|documentclass|LoadClass|input(?![A-Za-z@]))/;

const MAX_POLICY_HITS = 64;

/** Arguments are looked for within this many characters: a missing brace cannot make the scan quadratic. */
const ARG_WINDOW = 4096;

function within(text: string, ch: string, from: number): number {
  const i = text.slice(from, from + ARG_WINDOW).indexOf(ch);
  return i === -1 ? -1 : from + i;
}

/** The `{a,b}` (or ConTeXt `[a,b]` for libraries) argument after `at`, skipping one `[options]`. */
function argument(text: string, at: number, kind: PolicyKind): { names: string[]; literal: boolean } {
  let i = at;
  if (text[i] === ' ') i++;
  if (kind === 'input') {
    if (text[i] === '{') {
      const close = within(text, '}', i);
      const inner = close === -1 ? text.slice(i + 1) : text.slice(i + 1, close);
      return { names: [inner.trim()], literal: close !== -1 && !/[\\{]/.test(inner) };
    }
    const m = /^"?([^\s\\{}"%]*)"?/.exec(text.slice(i, i + 256));
    const name = m?.[1] ?? '';
    return { names: [name], literal: name !== '' };
  }
  const afterOptions = text[i] === '[' ? within(text, ']', i) + 1 : i;
  if (afterOptions === 0) return { names: [], literal: false };
  const open = text[afterOptions] === ' ' ? afterOptions + 1 : afterOptions;
  if (text[open] !== '{') {
    // ConTeXt writes \usetikzlibrary[calc]: the bracket group was the argument.
    if (kind === 'library' && text[i] === '[') {
      const inner = text.slice(i + 1, afterOptions - 1);
      return { names: inner.split(','), literal: !/[\\{}]/.test(inner) };
    }
    return { names: [], literal: false };
  }
  const close = within(text, '}', open);
  if (close === -1) return { names: [], literal: false };
  const inner = text.slice(open + 1, close);
  return { names: inner.split(','), literal: !/[\\{]/.test(inner) };
}

function allowed(set: ReadonlySet<string> | null, name: string, kind: PolicyKind): boolean {
  if (set === null) return true;
  if (set.has(name)) return true;
  // `ext.*` allows `ext.calc`, `ext.paths.ortho`, ...: try each dotted prefix of the name.
  for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
    if (set.has(`${name.slice(0, dot)}.*`)) return true;
  }
  return kind === 'input' && name.endsWith('.tex') && set.has(name.slice(0, -4));
}

/** Texts at least this long are first looked through by RE2, which skips from backslash to backslash. */
const LONG = 2048;
const QUICK_LONG = new RE2('\\\\(?:use|Require|documentclass|LoadClass|input)', 'u');

/** Every load of something not allowed, in text order. Empty (shared) when nothing is loaded. */
export function checkPolicy(text: string, allow: Allowlist): readonly PolicyHit[] {
  if (text.length >= LONG ? !QUICK_LONG.test(utf8(text)) : !QUICK.test(text)) return NONE;
  const hits: PolicyHit[] = [];
  USE.lastIndex = 0;
  // One refusal is enough to refuse; a few more help explain. Never thousands.
  for (let m = USE.exec(text); m !== null && hits.length < MAX_POLICY_HITS; m = USE.exec(text)) {
    const kind = KIND_OF[m[1]!]!;
    const set =
      kind === 'package'
        ? allow.packages
        : kind === 'library'
          ? allow.libraries
          : kind === 'class'
            ? allow.classes
            : allow.inputs;
    if (set === null) continue;
    const arg = argument(text, m.index + m[0].length, kind);
    const names = arg.names.map((n) => n.trim()).filter((n) => n !== '');
    if (!arg.literal || names.length === 0) {
      hits.push({ rule: POLICY_RULES[kind], kind, name: '', offset: m.index });
      continue;
    }
    for (const name of names)
      if (!allowed(set, name, kind)) hits.push({ rule: POLICY_RULES[kind], kind, name, offset: m.index });
  }
  return hits;
}

const NONE: readonly PolicyHit[] = Object.freeze([]);
