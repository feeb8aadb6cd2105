// RequestContext: everything the pipeline learns about one request, filled phase by phase.
import type { IncomingHttpHeaders } from 'node:http';
import type { ContentMatch, Refusal } from './verdict.js';
import type { CompiledRoute } from './route.js';
import type { DecodedBody } from './decoded.js';
import type { ResponseInspection } from './inspection.js';
import type { CompileOutcome } from './compile.js';
import type { CostEstimate } from './cost.js';
import type { AdmissionView, BudgetView } from './admission.js';
import type { BehaviourView } from './behaviour.js';
import type { TrustResult } from './trust.js';

export type Decision = 'allow' | 'deny' | 'challenge' | 'limit' | 'refuse' | 'error';

/** Who is asking (filled by identity checks; anonymous until then). */
export interface Identity {
  readonly user: string | null;
  readonly tier: string;
  readonly method: 'anonymous' | 'api_key' | 'jwt';
}

export const ANONYMOUS: Identity = Object.freeze({ user: null, tier: 'anonymous', method: 'anonymous' });

export class RequestContext {
  /** X-Request-ID: generated, or taken from a trusted peer. */
  id = '';
  /** performance.now() at accept. */
  readonly start: number;
  readonly method: string;
  /** Canonical path (percent-decoded unreserved chars, dot segments removed, slashes collapsed). */
  path = '';
  /** Raw query string without '?', '' when none. */
  query = '';
  route: CompiledRoute | null = null;
  /** Address of the TCP peer, IPv4-mapped IPv6 normalised. */
  peerIp = '';
  /** Client address: peer, or the first untrusted hop of X-Forwarded-For when the peer is trusted. */
  clientIp = '';
  /** Whether the TCP peer is a configured trusted proxy. */
  peerTrusted = false;
  /**
   * Set by the reputation check (connection phase): 'allow' skips reputation, geo and automatic blocks;
   * 'bypass' skips every later check (the data plane skips the headers and body phases). Both are logged.
   */
  listed: '' | 'allow' | 'bypass' = '';
  /** Whether the request came as HTTP/1.0 (no Host needed, no keep-alive by default: rare from real clients). */
  http10 = false;
  readonly headers: IncomingHttpHeaders;
  identity: Identity = ANONYMOUS;
  /** Raw body bytes, when the route inspects bodies. */
  body: Buffer | null = null;
  /** The decoded body (fields with names), when inspected. */
  decoded: DecodedBody | null = null;

  /** Sum of score contributions so far. */
  score = 0;
  /** Reasons behind contributions, `<module>:<code>`. */
  readonly reasons: string[] = [];
  readonly matches: ContentMatch[] = [];
  /** Score and reasons of monitor-mode checks: counted and logged, never acted on. */
  monitorScore = 0;
  readonly monitorHits: string[] = [];
  /** The refusal, when one was made (by a check, the decide phase or the protocol layer). */
  refusal: Refusal | null = null;
  /** Module whose verdict refused ('request', 'sig', 'rate', ...), '' when none. */
  get refusedBy(): string {
    return this.refusal === null ? '' : this.refusal.module;
  }
  /** Set once, by the refusal path (or to 'error' when an upstream answer was cut). */
  decision: Decision = 'allow';
  status = 0;

  /** performance.now() marks for the gateway's own added time. */
  bodyDone = 0;
  upstreamSent = 0;
  upstreamHeaders = 0;
  firstByteOut = 0;
  end = 0;
  upstreamError = '';
  /** What the response checks did with the answer (SVG inspection, canaries); null when none ran. */
  inspections: ResponseInspection[] | null = null;
  /** What the forwarded compile came to (routes with `compile` only), set when its answer or failure is seen. */
  compile: CompileOutcome | null = null;
  /** The compile-cost estimate of the code fields (cost check), null when not estimated. */
  cost: CostEstimate | null = null;
  /** The compile budgets as they stood (budgets check), null when not checked. */
  budget: BudgetView | null = null;
  /** How the wait for a compile slot ended (admission check), null when it did not ask for one. */
  admission: AdmissionView | null = null;
  /** What the behaviour check concluded about the client, null when it did not run. */
  behaviour: BehaviourView | null = null;
  /** The trust score and its terms (trust check), null when it did not run. */
  trust: TrustResult | null = null;
  bytesOut = 0;

  /** Headers checks want on the response when the request is forwarded (e.g. RateLimit); null when none. */
  responseHeaders: Record<string, string> | null = null;
  private scratchMap: Map<string, unknown> | null = null;
  /** Per-request scratch space for checks that pass data to their log hook (keyed by check), made on first use. */
  get scratch(): Map<string, unknown> {
    return (this.scratchMap ??= new Map());
  }

  constructor(method: string, headers: IncomingHttpHeaders, start: number) {
    this.method = method;
    this.headers = headers;
    this.start = start;
  }
}
