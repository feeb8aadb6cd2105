// The compiled form of a SecLang rule set: frozen rules per phase, built once at load and read per request.
import type RE2 from 're2';
import type { Operator } from './operators.js';
import type { Transform } from './transforms.js';
import type { Template } from './macros.js';

export interface Target {
  /** Upper-case variable name (`ARGS`, `REQUEST_HEADERS`, `TX`). */
  readonly name: string;
  /** Lower-case key selector, or null for every key. */
  readonly key: string | null;
  readonly keyRe: RE2 | null;
  readonly count: boolean;
}

export interface SetVar {
  /** Collection, lower case (`tx`). */
  readonly collection: string;
  /** Variable name, lower case; may hold macros. */
  readonly name: string;
  readonly op: 'set' | 'add' | 'sub' | 'delete';
  /** The value, macros unexpanded. */
  readonly value: string;
  /** The name's and the value's macros, split at load (null: none, the text as it is). */
  readonly nameMacros: Template | null;
  readonly valueMacros: Template | null;
}

export type Ctl =
  | { readonly kind: 'ruleRemoveById'; readonly ids: readonly IdRange[] }
  | { readonly kind: 'ruleRemoveByTag'; readonly tag: RE2 }
  | { readonly kind: 'ruleRemoveTargetById'; readonly ids: readonly IdRange[]; readonly target: Target }
  | { readonly kind: 'ruleRemoveTargetByTag'; readonly tag: RE2; readonly target: Target }
  | { readonly kind: 'ruleEngine'; readonly value: 'on' | 'off' | 'detectiononly' }
  | { readonly kind: 'ignored' };

export interface IdRange {
  readonly from: number;
  readonly to: number;
}

export type Disruptive = 'pass' | 'deny' | 'block' | 'allow' | 'drop';

export interface Rule {
  readonly id: number;
  readonly phase: number;
  readonly file: string;
  readonly line: number;
  /** Targets to read, and keys removed from them (`!ARGS:foo`, SecRuleUpdateTargetById, exclusions). */
  readonly targets: readonly Target[];
  readonly excludes: readonly Target[];
  readonly op: Operator;
  readonly opArg: string;
  /** The operator argument's macros, split at load (null: none; a dynamic operator's argument has some). */
  readonly opArgMacros: Template | null;
  readonly negated: boolean;
  readonly transforms: readonly Transform[];
  readonly multiMatch: boolean;
  readonly capture: boolean;
  readonly setvars: readonly SetVar[];
  readonly ctls: readonly Ctl[];
  readonly skipAfter: string | null;
  readonly skip: number;
  /** The effective disruptive action: `block` already replaced by the phase's default. */
  readonly disruptive: Disruptive;
  /** Whether a match is logged (and so becomes a `crs:<id>` reason). */
  readonly log: boolean;
  readonly msg: string;
  readonly severity: string;
  readonly tags: readonly string[];
  /** From the `paranoia-level/N` tag; 0 when the rule has none. */
  readonly paranoia: number;
  /** The next link when this rule has `chain`. */
  readonly chained: Rule | null;
  /** A SecMarker: matches nothing, is a skipAfter destination. */
  readonly marker: string | null;
}

export interface Unsupported {
  readonly id: number;
  readonly where: string;
  readonly why: string;
}

export interface Program {
  /** Rules of phase 1 and 2 (markers included, in file order), each list frozen. */
  readonly phases: readonly (readonly Rule[])[];
  /** Per phase: marker name -> index of the marker in that phase's list. */
  readonly markers: readonly ReadonlyMap<string, number>[];
  /** Rules the engine cannot run: listed by `portcullis check`, never silently dropped. */
  readonly unsupported: readonly Unsupported[];
  /** Response-phase rules (3, 4, 5) seen and left out: this gateway runs the request rules only. */
  readonly responseRules: number;
  /** Directives read and deliberately ignored (name -> count). */
  readonly ignored: ReadonlyMap<string, number>;
  /** Rule counts by paranoia level (0: no level tag). */
  readonly byParanoia: ReadonlyMap<number, number>;
  readonly signature: string;
  /**
   * The detection paranoia level the program runs at, when known (loadCrs): rules above it are skipped by CRS's
   * own paranoia-level rules, so they get no prefilter gate (one would only cost scan time; a rule without a
   * gate still runs, correctly, if a custom layout reaches it).
   */
  readonly detectionParanoia?: number;
}
