// Rule file format (rules/*.yaml): the zod schema of one file and the types of a loaded rule.
import { z } from 'zod';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Score a rule adds when it does not set its own. CRITICAL denies alone whatever the score. */
export const SEVERITY_SCORE: Readonly<Record<Severity, number>> = Object.freeze({
  LOW: 5,
  MEDIUM: 20,
  HIGH: 40,
  CRITICAL: 100,
});

/**
 * How sure a match is of an attack, for automatic blocks (decisions.auto.evidence): `attack` is unmistakable
 * (shell escape, writing files) and blocks on the first refusal; `high` and `low` add less evidence, so a
 * legitimate request that trips a rule is not an offence on its own. Unset: high for CRITICAL and HIGH rules,
 * low for the others.
 */
export const CONFIDENCES = ['attack', 'high', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export function defaultConfidence(severity: Severity): Confidence {
  return severity === 'CRITICAL' || severity === 'HIGH' ? 'high' : 'low';
}

/**
 * Where a rule looks. `code`: the route's code fields (TeX); `fields`: every other decoded body field (JSON
 * string values, form fields, text parts); `field:NAME`: one named field, code or not; `body`: the raw body
 * bytes; `query`, `path`; `headers`: `name: value` lines of the request headers (credentials left out).
 */
export const TARGET_KINDS = ['code', 'fields', 'body', 'query', 'path', 'headers'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

const targetSchema = z.union([
  z.enum(TARGET_KINDS),
  z.string().regex(/^field:[^\s]{1,128}$/, 'a target is one of code, fields, body, query, path, headers or field:NAME'),
]);

const ruleId = z
  .string()
  .regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)+$/, 'rule ids are dotted lower-case words, e.g. latex.shell-escape.write18');

const examples = z.strictObject({
  match: z.array(z.string()).default([]),
  pass: z.array(z.string()).default([]),
});

export const ruleSchema = z.strictObject({
  id: ruleId,
  description: z.string().min(1),
  severity: z.enum(SEVERITIES),
  /** Defaults to the severity's score. */
  score: z.number().int().min(0).max(1000).optional(),
  confidence: z.enum(CONFIDENCES).optional(),
  /** The lowest paranoia level at which the rule runs (1 = always). */
  paranoia: z.number().int().min(1).max(4).optional(),
  tags: z.array(z.string().regex(/^[a-z0-9-]+$/)).optional(),
  targets: z.array(targetSchema).min(1).optional(),
  /** Named transforms applied in order before matching (see src/signatures/transforms). */
  transforms: z.array(z.string()).optional(),
  /** RE2 syntax (linear time): no look-around, no back-references. */
  pattern: z.string().min(1),
  /** Match case-insensitively (same as a leading `(?i)`). */
  ignore_case: z.boolean().optional(),
  /** monitor: the rule is reported but never counts towards a refusal. */
  mode: z.enum(['enforce', 'monitor']).optional(),
  examples: examples,
});

/** Values a file may set once for all of its rules. */
const defaultsSchema = z.strictObject({
  severity: z.enum(SEVERITIES).optional(),
  confidence: z.enum(CONFIDENCES).optional(),
  paranoia: z.number().int().min(1).max(4).optional(),
  tags: z.array(z.string().regex(/^[a-z0-9-]+$/)).optional(),
  targets: z.array(targetSchema).min(1).optional(),
  transforms: z.array(z.string()).optional(),
  ignore_case: z.boolean().optional(),
  mode: z.enum(['enforce', 'monitor']).optional(),
});

export const ruleFileSchema = z.strictObject({
  /** What the file is about, for humans. */
  family: z.string().optional(),
  description: z.string().optional(),
  defaults: defaultsSchema.prefault({}),
  rules: z.array(z.unknown()).min(1),
});

export type RawRule = z.infer<typeof ruleSchema>;

/** A rule as loaded: defaults applied, still uncompiled. */
export interface RuleSpec {
  readonly id: string;
  readonly description: string;
  readonly severity: Severity;
  readonly confidence: Confidence;
  readonly score: number;
  readonly paranoia: number;
  readonly tags: readonly string[];
  readonly targets: readonly string[];
  readonly transforms: readonly string[];
  readonly pattern: string;
  readonly ignoreCase: boolean;
  readonly mode: 'enforce' | 'monitor';
  readonly examples: { readonly match: readonly string[]; readonly pass: readonly string[] };
  /** Where the rule was written, for messages: `file:line:col`. */
  readonly source: string;
  readonly at: { readonly file: string; readonly line: number; readonly col: number };
  /** Position of the pattern itself, for RE2 errors. */
  readonly patternAt: string;
}

/**
 * The tag of a rule that reads one literal the cost estimate also reads (a range's end, a sample count): on a
 * route whose cost check enforces, such a rule scores as LOW and adds low confidence (costInput below).
 */
export const COST_INPUT_TAG = 'cost-input';

const costInputs = new WeakMap<RuleSpec, RuleSpec>();

/**
 * The rule as a route with an enforcing cost check reads it: a cost-input rule becomes LOW (its score and
 * confidence too), any other is itself. The same twin for the same spec, so compiled rules are shared.
 */
export function costInput(spec: RuleSpec): RuleSpec {
  if (!spec.tags.includes(COST_INPUT_TAG)) return spec;
  if (spec.severity === 'LOW' && spec.score === SEVERITY_SCORE.LOW && spec.confidence === 'low') return spec;
  let twin = costInputs.get(spec);
  if (twin === undefined) {
    twin = Object.freeze({ ...spec, severity: 'LOW', score: SEVERITY_SCORE.LOW, confidence: 'low' });
    costInputs.set(spec, twin);
  }
  return twin;
}

/** Targets a rule gets when neither it nor its file names any: TeX rules look at code, web rules elsewhere. */
export const DEFAULT_TARGETS: readonly string[] = Object.freeze(['fields', 'query', 'path', 'headers']);
