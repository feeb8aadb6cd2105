// The contract between the pipeline and a check: a phase, a mode and a run function returning a Verdict.
import type { RequestContext } from './context.js';
import type { ContinueVerdict, Verdict } from './verdict.js';

export type Mode = 'enforce' | 'monitor' | 'off';

/** Request phases, in the order they run; cheapest first, each may end the chain. */
export type RequestPhase = 'connection' | 'headers' | 'body';

export interface Check {
  /** Module name: the `<module>` of reasons and the `check` label of metrics. Bounded, from code. */
  readonly name: string;
  readonly phase: RequestPhase;
  readonly mode: Mode;
  /**
   * Returns a value, or a promise when the check needs I/O (stores). Sync checks stay sync so
   * the hot path does not pay for a promise per check.
   */
  run(ctx: RequestContext): Verdict | Promise<Verdict>;
  /** Optional: called once per request in the log phase, always, whatever the outcome. */
  onComplete?(ctx: RequestContext): void;
}

/** What the response phase sees of the upstream answer. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The buffered body, only when some response check asked for it (`needsBody`). */
  readonly body: Buffer | null;
}

/**
 * A response check lets an answer through changed: `body` replaces the body (Content-Length follows), `headers`
 * (lower-case names) replace the upstream's headers of the same names. Read on `continue` only; a body only
 * from a check in enforce mode (monitor changes no more than headers).
 */
export interface ResponseRewrite extends ContinueVerdict {
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ResponseVerdict = Verdict | ResponseRewrite;

export interface ResponseCheck {
  readonly name: string;
  readonly mode: Mode;
  /** True when this check must see the whole response body (it is then buffered up to the cap). */
  readonly needsBody: boolean;
  /** Names of the routes whose answers this check sees; absent: every answer (matched or not). */
  readonly routes?: ReadonlySet<string>;
  run(ctx: RequestContext, res: UpstreamResponse): ResponseVerdict;
}
