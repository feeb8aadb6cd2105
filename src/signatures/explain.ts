// `portcullis explain`: how the signatures see one sample: the normalised text, every match with where it
// was found and a little context, the positive model's refusals, the score and the decision. Local tool:
// unlike security events, it shows the text itself.
import { loadSignatureEngine } from './build.js';
import { signaturesConfigSchema } from './config.js';
import type { SignatureEngine } from './engine.js';
import { POLICY_DESCRIPTIONS } from './policy.js';
import { TRANSFORMS } from './transforms/index.js';
import { hasPercentEscape, urlDecode } from './transforms/url.js';

export interface ExplainOptions {
  /** The engine to ask; default: one built from the default config (rules/ under the working directory). */
  readonly engine?: SignatureEngine;
  /** Route name (default: none, the engine's fallback profile). */
  readonly route?: string | null;
  /** Code field the sample is sent in (default `tikz_code`). */
  readonly field?: string;
  readonly tier?: string;
}

export interface ExplainedMatch {
  readonly rule: string;
  readonly description: string;
  readonly severity: string;
  readonly score: number;
  readonly target: string;
  readonly field: string | null;
  /** UTF-8 byte offset in the text the rule read. */
  readonly offset: number;
  readonly mode: 'enforce' | 'monitor';
  /** Up to 60 characters of the normalised text from the match on. */
  readonly context: string;
}

export interface Explanation {
  readonly route: string | null;
  readonly field: string;
  readonly tier: string;
  readonly paranoia: number;
  readonly normalised: string;
  /** The same after percent-decoding, when the sample holds escapes. */
  readonly decodedView: string | null;
  readonly matches: readonly ExplainedMatch[];
  readonly policy: readonly { rule: string; name: string; offset: number }[];
  readonly score: number;
  readonly threshold: number;
  readonly decision: 'deny' | 'allow';
  readonly reasons: readonly string[];
}

const tex = TRANSFORMS.get('tex')!;

function contextAt(text: string, byteOffset: number): string {
  const buf = Buffer.from(text);
  return buf
    .subarray(byteOffset, byteOffset + 180)
    .toString('utf8')
    .slice(0, 60)
    .replace(/\n/g, '⏎');
}

/** How the signatures see `text` sent in a code field. */
export function explain(text: string, options: ExplainOptions = {}): Explanation {
  const engine = options.engine ?? loadSignatureEngine(signaturesConfigSchema.parse({}), []);
  const route = options.route ?? null;
  const field = options.field ?? 'tikz_code';
  const tier = options.tier ?? 'anonymous';
  const profile = engine.profile(route);
  const r = engine.inspect(
    {
      route,
      tier,
      path: '/',
      query: '',
      headers: {},
      fields: [{ name: field, path: field, value: text, code: true }],
      body: null,
    },
    true,
  );
  const normalised = tex.fn(text);
  const decodedView = hasPercentEscape(text) ? tex.fn(urlDecode(text)) : null;
  const specs = new Map(engine.rules.map((s) => [s.id, s]));
  const matches = r.matches.map((m) => {
    const spec = specs.get(m.rule);
    const chain = spec?.transforms.map((n) => TRANSFORMS.get(n)!) ?? [tex];
    let read = text;
    for (const t of chain) read = t.fn(read);
    return {
      rule: m.rule,
      description: spec?.description ?? POLICY_DESCRIPTIONS[m.rule] ?? m.rule,
      severity: m.severity ?? '',
      score: m.score,
      target: m.target,
      field: m.field,
      offset: m.offset,
      mode: spec?.mode ?? 'enforce',
      context: contextAt(read, m.offset),
    };
  });
  return {
    route,
    field,
    tier,
    paranoia: profile.paranoia,
    normalised,
    decodedView: decodedView === normalised ? null : decodedView,
    matches,
    policy: r.policy,
    score: r.score,
    threshold: profile.threshold,
    decision: r.deny ? 'deny' : 'allow',
    reasons: r.reasons,
  };
}

/** Human-readable rendering of an explanation. */
export function formatExplanation(e: Explanation, sampleName: string): string {
  const lines: string[] = [];
  lines.push(
    `sample ${sampleName}: route ${e.route ?? '(none)'}, field ${e.field}, tier ${e.tier}, paranoia ${e.paranoia}`,
  );
  lines.push('', 'normalised (tex transform):', indent(e.normalised));
  if (e.decodedView !== null) lines.push('', 'percent-decoded view, normalised:', indent(e.decodedView));
  lines.push('', e.matches.length === 0 ? 'matches: none' : 'matches:');
  for (const m of e.matches) {
    const mode = m.mode === 'monitor' ? ' [monitor]' : '';
    lines.push(
      `  ${m.severity.padEnd(8)} ${m.rule}${mode}  +${m.score}  ${m.target}${m.field ? `:${m.field}` : ''} @${m.offset}`,
    );
    lines.push(`           ${m.description}`);
    lines.push(`           at: ${JSON.stringify(m.context)}`);
  }
  if (e.policy.length > 0) {
    lines.push('', 'positive model:');
    for (const p of e.policy)
      lines.push(`  ${p.rule}: ${p.name === '' ? '(not a literal name)' : JSON.stringify(p.name)} @${p.offset}`);
  }
  lines.push('');
  lines.push(
    `score ${e.score} / threshold ${e.threshold}: ${e.decision === 'deny' ? 'DENY (403)' : 'allow'}` +
      (e.reasons.length > 0 ? `  reasons: ${e.reasons.join(' ')}` : ''),
  );
  return lines.join('\n');
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
