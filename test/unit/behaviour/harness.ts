// Shared by the behaviour tests: a built behaviour check on a store and fake clock, and one request through it
// (run, then the compile outcome, then the log hook) as the data plane would do it.
import { buildBehaviourCheck } from '../../../src/checks/behaviour.js';
import type { Check } from '../../../src/core/check.js';
import type { CompileOutcomeName } from '../../../src/core/compile.js';
import { RequestContext, type Identity } from '../../../src/core/context.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import type { TerminalKind, Verdict } from '../../../src/core/verdict.js';
import { applyVerdict } from '../../../src/core/pipeline.js';
import type { Store } from '../../../src/store/store.js';
import { config, deps, type TestDeps } from '../checks/helpers.js';

export interface Sent {
  readonly verdict: Verdict;
  readonly ctx: RequestContext;
}

export interface RequestSpec {
  readonly ip?: string;
  readonly code?: string;
  /** What the compile service answers; null: the request is refused before it is forwarded (e.g. a 429). */
  readonly outcome?: CompileOutcomeName | null;
  readonly wallMs?: number;
  readonly identity?: Identity;
  readonly bytesOut?: number;
}

export class Harness {
  readonly deps: TestDeps;
  readonly check: Check;
  /** Milliseconds to wait after the log hook (a networked store's writes land meanwhile); 0: a few ticks. */
  settleMs = 0;
  constructor(settings: Record<string, unknown>, store?: Store) {
    this.deps = deps(store);
    const made = buildBehaviourCheck(config({ checks: { behaviour: settings } }), this.deps);
    if (made === null) throw new Error('behaviour is off');
    this.check = made;
  }

  get clock() {
    return this.deps.clock;
  }

  /** One request: run, then (unless refused) the compile outcome, then the log hook. */
  async send(spec: RequestSpec = {}): Promise<Sent> {
    const ctx = new RequestContext('POST', {}, 0);
    ctx.clientIp = ctx.peerIp = spec.ip ?? '198.51.100.7';
    ctx.route = { name: 'compile' } as unknown as CompiledRoute;
    if (spec.identity !== undefined) ctx.identity = spec.identity;
    const code = spec.code ?? '\\draw (0,0) -- (1,1);';
    const body = JSON.stringify({ tikz_code: code });
    ctx.body = Buffer.from(body);
    ctx.decoded = { type: 'json', fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }] };
    const verdict = await this.check.run(ctx);
    // as the pipeline applies it: a monitor-mode check's refusal becomes a monitor hit
    if (applyVerdict(ctx, this.check, verdict)) {
      ctx.decision = verdict.kind as TerminalKind;
    } else if (spec.outcome === null) {
      ctx.refusal = { decision: 'limit', status: 429, reasons: ['rate:anonymous'], module: 'rate' };
      ctx.decision = 'limit';
    } else {
      ctx.upstreamSent = 1;
      ctx.compile = {
        outcome: spec.outcome ?? 'ok',
        wallMs: spec.wallMs ?? 120,
        cpuMs: null,
        source: 'headers',
        headerProblem: null,
      };
      ctx.bytesOut = spec.bytesOut ?? 4000;
    }
    this.check.onComplete!(ctx);
    if (this.settleMs > 0) await new Promise((r) => setTimeout(r, this.settleMs));
    else await settle();
    return { verdict, ctx };
  }
}

/** Lets a networked store's log-phase writes land before the next request reads. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/** A well-behaved diagram, different per i. */
export function diagram(i: number): string {
  return `\\begin{tikzpicture}\\draw[thick] (0,0) -- (${i % 7},${i % 5}); \\node at (1,${i}) {n${i}};\\end{tikzpicture}`;
}

export const ENFORCE_ALL = {
  mode: 'enforce',
  detectors: {
    rapid_fire: { mode: 'enforce' },
    error_farming: { mode: 'enforce' },
    resource_exhaustion: { mode: 'enforce' },
    unusual: { mode: 'enforce' },
    shared_source: { mode: 'enforce' },
  },
};
