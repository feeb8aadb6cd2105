// The security event: one versioned JSON line per refusal or monitor hit, on its own stream. Never a payload.
import { pino } from 'pino';
import type { RequestContext } from '../core/context.js';
import type { ContentMatch } from '../core/verdict.js';
import type { CompileOutcome } from '../core/compile.js';
import type { ResponseInspection } from '../core/inspection.js';
import type { AdmissionView, BudgetView } from '../core/admission.js';
import type { BehaviourView } from '../core/behaviour.js';
import type { CostEstimate } from '../core/cost.js';
import { trustField, type TrustEventField } from '../trust/explain.js';

export const EVENT_SCHEMA = 'portcullis.security_event/1';

export interface SecurityEvent {
  readonly schema: typeof EVENT_SCHEMA;
  readonly time: string;
  readonly request_id: string;
  readonly client_ip: string;
  readonly peer_ip: string;
  readonly method: string;
  readonly route: string;
  readonly decision: string;
  readonly status: number;
  /** enforce: the decision was applied; monitor: only counted (monitor-mode checks would have refused). */
  readonly mode: 'enforce' | 'monitor';
  readonly module: string;
  readonly reasons: readonly string[];
  readonly score: number;
  readonly user: string | null;
  readonly tier: string;
  readonly matches: readonly ContentMatch[];
  /**
   * A refused request's monitor hits: what monitor-mode checks that ran before the refusal would have done
   * (a request that was not refused has them in `reasons`). Left out when there are none.
   */
  readonly monitor?: readonly string[];
  /** What the forwarded compile came to (compile routes), last so the fields before keep their order. */
  readonly compile?: CompileEventField;
  /** What the response checks found and did (SVG inspection, canaries), when they found something. */
  readonly response?: readonly ResponseInspection[];
  /** The compile budgets as they stood when checked (compile routes with budgets). */
  readonly budget?: BudgetEventField;
  /** How the wait for a compile slot ended (compile routes with admission). */
  readonly queue?: QueueEventField;
  /** What the behaviour check concluded about the client (findings with confidence and numeric evidence). */
  readonly behaviour?: BehaviourView;
  /** The compile-cost estimate (units, predicted seconds, lane, the largest terms; never the code). */
  readonly cost?: CostEstimate;
  /** The trust score's breakdown, whenever the trust check ran (events for allowed requests: trust.events all). */
  readonly trust?: TrustEventField;
}

export interface BudgetEventField {
  readonly tier: string;
  readonly budgets: readonly { readonly name: string; readonly remaining_s: number; readonly allow: boolean }[];
}

export interface QueueEventField {
  readonly tier: string;
  readonly lane: 'normal' | 'slow';
  readonly result: string;
  readonly wait_ms: number;
}

export interface CompileEventField {
  readonly outcome: string;
  readonly wall_ms: number;
  readonly cpu_ms: number | null;
  readonly source: 'headers' | 'inferred';
  readonly header_problem: string | null;
}

export interface EventSink {
  write(event: SecurityEvent): void;
  flush(): void;
  /**
   * Opens the file again by its path (after logrotate renamed it; SIGHUP): later events go to the new file,
   * events already buffered to the old one. A no-op for stdout, stderr and memory sinks.
   */
  reopen(): void;
}

/** Whether a compile route wants an event for this compile by itself (`routes[].compile.events`). */
function compileWantsEvent(ctx: RequestContext, c: CompileOutcome | null): boolean {
  const events = ctx.route?.compile?.events;
  return c !== null && (events === 'all' || (events === 'failures' && c.outcome !== 'ok'));
}

/** The response checks' records that found something (an SVG stripped is reported though the answer passed). */
function responseFindings(ctx: RequestContext): readonly ResponseInspection[] | null {
  const all = ctx.inspections;
  if (all === null) return null;
  const found = all.filter((r) => r.reasons.length !== 0);
  return found.length === 0 ? null : found;
}

function budgetField(b: BudgetView): BudgetEventField {
  return {
    tier: b.tier,
    budgets: b.budgets.map((x) => ({
      name: x.name,
      remaining_s: Math.round(x.remainingS * 1000) / 1000,
      allow: x.allow,
    })),
  };
}

function queueField(a: AdmissionView): QueueEventField {
  return { tier: a.tier, lane: a.lane, result: a.result, wait_ms: a.waitMs };
}

/**
 * Builds the event of a finished request; null when there is nothing to report: no refusal, no monitor hit,
 * and no compile outcome its route reports.
 */
export function eventFor(ctx: RequestContext): SecurityEvent | null {
  const refused = ctx.decision !== 'allow' && ctx.decision !== 'error';
  const c = ctx.compile;
  const response = responseFindings(ctx);
  // A behaviour finding alone writes no event: a flood from one client would write one per request; the
  // findings ride on the events written anyway (refusals, monitor hits, compiles) and count in the metrics.
  const trust = ctx.trust;
  if (
    !refused &&
    ctx.monitorHits.length === 0 &&
    response === null &&
    !compileWantsEvent(ctx, c) &&
    (trust === null || !trust.event)
  )
    return null;
  const b = ctx.behaviour;
  const event: SecurityEvent = {
    schema: EVENT_SCHEMA,
    time: new Date().toISOString(),
    request_id: ctx.id,
    client_ip: ctx.clientIp,
    peer_ip: ctx.peerIp,
    method: ctx.method.length <= 16 ? ctx.method : ctx.method.slice(0, 16),
    route: ctx.route?.name ?? '_unmatched',
    // allow, a refusal, or error (an upstream failure: a compile route's event reports those too)
    decision: ctx.decision,
    status: ctx.status,
    mode: refused || ctx.monitorHits.length === 0 ? 'enforce' : 'monitor',
    module: ctx.refusedBy,
    reasons: refused || ctx.monitorHits.length === 0 ? (ctx.refusal?.reasons ?? []) : ctx.monitorHits,
    score: ctx.score,
    user: ctx.identity.user,
    tier: ctx.identity.tier,
    matches: ctx.matches,
    ...(refused && ctx.monitorHits.length !== 0 ? { monitor: ctx.monitorHits } : null),
    ...(response === null ? null : { response }),
    ...(ctx.budget === null ? null : { budget: budgetField(ctx.budget) }),
    ...(ctx.admission === null ? null : { queue: queueField(ctx.admission) }),
    ...(b === null ? null : { behaviour: b }),
    ...(ctx.cost === null ? null : { cost: ctx.cost }),
    ...(trust === null ? null : { trust: trustField(trust) }),
  };
  if (c === null) return event;
  const compile = {
    outcome: c.outcome,
    wall_ms: c.wallMs,
    cpu_ms: c.cpuMs,
    source: c.source,
    header_problem: c.headerProblem,
  };
  return { ...event, compile };
}

/**
 * Writes events as JSON lines to 'stdout', 'stderr' or a file (created with its directory). `onError` hears
 * what the file refused (a reopen that could not open the path: writing goes on to the previous file), which
 * would otherwise be an unhandled 'error' event and end the process.
 */
export function createEventSink(destination: string, onError: (err: Error) => void = () => undefined): EventSink {
  const dest = destination === 'stdout' ? 1 : destination === 'stderr' ? 2 : destination;
  const stream = pino.destination({ dest, sync: false, mkdir: typeof dest === 'string' });
  stream.on('error', onError);
  return {
    write(event) {
      stream.write(JSON.stringify(event) + '\n');
    },
    flush() {
      try {
        stream.flushSync();
      } catch {
        // not ready yet (nothing written): nothing to flush
      }
    },
    reopen() {
      // sonic-boom flushes what it holds to the old file, then opens the path again (creating it)
      if (typeof dest === 'string') stream.reopen();
    },
  };
}

/** An in-memory sink for tests and the explain command. */
export function createMemorySink(): EventSink & { readonly events: SecurityEvent[] } {
  const events: SecurityEvent[] = [];
  return { events, write: (e) => void events.push(e), flush: () => undefined, reopen: () => undefined };
}
