// Human wording for schema problems: what was expected, and what the file actually holds.
import { z } from 'zod';

/**
 * Passed to safeParse as the per-parse error map. Messages written in the schema take precedence over it, so an
 * issue still carrying this marker has no author-written message and gets one from `describeIssue`.
 */
export const NO_SCHEMA_MESSAGE = '\u0000portcullis:no-schema-message';

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** How a YAML value is named in messages: `string "80a"`, `number 1.5`, `a list`, `null (empty value)`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (empty value)';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function quote(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function plural(n: number | bigint, word: string): string {
  return `${String(n)} ${word}${n === 1 || n === 1n ? '' : 's'}`;
}

function bound(
  kind: 'at most' | 'at least',
  origin: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
): string {
  if (kind === 'at least' && Number(limit) === 1 && (origin === 'string' || origin === 'array')) {
    return 'must not be empty';
  }
  if (origin === 'string') {
    return `must be ${kind} ${plural(limit, 'character')} long`;
  }
  if (origin === 'array' || origin === 'set') return `must have ${kind} ${plural(limit, 'item')}`;
  if (inclusive === false) return `must be ${kind === 'at most' ? 'less' : 'greater'} than ${String(limit)}`;
  return `must be ${kind} ${String(limit)}`;
}

function format(issue: z.core.$ZodIssueInvalidStringFormat & { prefix?: string; suffix?: string }, input: unknown) {
  const got = describeValue(input);
  if (issue.format === 'url') {
    const url = typeof input === 'string' && URL.canParse(input) ? new URL(input) : null;
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `URL scheme "${url.protocol}" is not allowed here, got ${got}`;
    }
    return `expected a URL, got ${got}`;
  }
  if (issue.format === 'starts_with' && issue.prefix !== undefined)
    return `must start with ${quote(issue.prefix)}, got ${got}`;
  if (issue.format === 'ends_with' && issue.suffix !== undefined)
    return `must end with ${quote(issue.suffix)}, got ${got}`;
  if (issue.format === 'regex' && issue.pattern !== undefined) return `must match ${issue.pattern}, got ${got}`;
  return `expected ${issue.format === 'email' ? 'an' : 'a'} ${issue.format}, got ${got}`;
}

const CREDENTIAL_KEYS: ReadonlySet<string> = new Set(['secrets', 'tokens', 'secret', 'token', 'password']);

function isCredential(path: readonly PropertyKey[]): boolean {
  if (path.some((k) => typeof k === 'string' && CREDENTIAL_KEYS.has(k))) return true;
  return path.includes('sinks') && path.at(-1) === 'url';
}

/** The message for one zod issue; `input` is the value found at the issue's path (undefined if absent). */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  // a credential is never echoed (terminal, CI log, the reload error in /admin/api/status): signing secrets,
  // admin tokens, and alert URLs (a Slack webhook URL is its own credential)
  if (isCredential(issue.path) && input !== undefined) return describeIssue(issue, undefined) + ' (value not shown)';
  if (issue.message !== NO_SCHEMA_MESSAGE) {
    // Written by the schema's author: keep it, and show what was found.
    return input === undefined ? issue.message : `${issue.message}, got ${describeValue(input)}`;
  }
  const got = describeValue(input);
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return `missing required key ${quote(issue.path.at(-1) ?? '')}`;
      if (typeof input === 'number' && !Number.isFinite(input)) return `expected a finite number, got ${String(input)}`;
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${got}`;
    }
    case 'too_big':
      return `${bound('at most', issue.origin, issue.maximum, issue.inclusive)}, got ${sizeOf(input, got)}`;
    case 'too_small': {
      const rule = bound('at least', issue.origin, issue.minimum, issue.inclusive);
      return rule === 'must not be empty' ? rule : `${rule}, got ${sizeOf(input, got)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map(quote);
      if (values.length === 1) return `expected ${values[0] ?? ''}, got ${got}`;
      return `expected one of ${values.join(', ')}, got ${got}`;
    }
    case 'invalid_format':
      return format(issue, input);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, got ${got}`;
    case 'unrecognized_keys':
      return `unknown keys ${issue.keys.map(quote).join(', ')}`;
    case 'invalid_union':
      return `does not match any of the allowed forms, got ${got}`;
    default:
      return `invalid value, got ${got}`;
  }
}

function sizeOf(input: unknown, got: string): string {
  if (typeof input === 'string') return `${plural(input.length, 'character')}`;
  if (Array.isArray(input)) return plural(input.length, 'item');
  return got;
}

/** Closest allowed key within edit distance 2, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
