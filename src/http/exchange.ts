// One accepted request on its way through the phases: connection and headers checks, body read and decode,
// body checks, decide, forward. It runs synchronously until something has to wait (a check's promise, body
// bytes still on the wire) and then resumes at that stage, so a request whose checks are all synchronous
// costs no promise and no microtask.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../core/context.js';
import type { Snapshot } from './snapshot.js';
import type { Check } from '../core/check.js';
import { withRetryAfter, type Refusal } from '../core/verdict.js';
import { runPhase, type FaultHandler } from '../core/pipeline.js';
import { readBody, type BodySink, type ReadResult, type SlowBodies } from '../body/read.js';
import { decodeInto, readRefusal } from './body-phase.js';
import { Flight, type Refuser } from './flight.js';
import { mustClose } from './drain.js';

const WWW_AUTH = Object.freeze({ 'www-authenticate': 'Bearer realm="portcullis"' });

// Stages, in order; `run(stage)` does that stage and everything after it.
const CONNECTION = 0;
const HEADERS = 1;
const BODY = 2; // 100 Continue, the bounded read
const CHECKS = 3; // body-phase checks on the decoded body
const FORWARD = 4; // decide, then forward
const REFUSED = 5; // an asynchronous check refused: write its refusal

/** What an exchange needs from the data plane. */
export interface ExchangeHost extends Refuser {
  readonly onFault: FaultHandler;
  /** The share of request slots bodies still arriving may hold, and their minimum rate. */
  readonly slowBodies: SlowBodies;
  /** A fault of the gateway itself (an exception outside any check): answered 500 and logged. */
  failed(ex: Exchange, err: unknown): void;
}

function readWhenParsed(ex: Exchange): void {
  ex.read();
}

export class Exchange implements BodySink {
  /** The forwarding in progress, once started (the data plane aborts it when the client goes away). */
  flight: Flight | null = null;

  constructor(
    private readonly host: ExchangeHost,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly ctx: RequestContext,
    readonly snap: Snapshot,
    private readonly expectContinue: boolean,
    /** A request body is still unread (a refusal may then have to close the connection: drain.ts). */
    private unread: boolean,
  ) {}

  /** The connection phase is running (its refusals close the connection whatever the body). */
  private addressPhase = false;

  /** Whether a refusal now must close the connection (an unread body that cannot be safely discarded). */
  private get close(): boolean {
    return this.unread && (this.addressPhase || mustClose(this.req));
  }

  /** Runs the request from `stage` on. An exception is a gateway fault, never an unhandled one. */
  run(stage: number = CONNECTION): void {
    try {
      this.steps(stage);
    } catch (err) {
      this.host.failed(this, err);
    }
  }

  private steps(stage: number): void {
    const { ctx, snap } = this;
    if (stage === REFUSED) return this.refuseVerdict();
    // connection + headers phases: client address and headers only, no body read yet
    // a client refused for who it is (lists, feeds, blocks, geo) is not kept connected for another try
    this.addressPhase = stage <= CONNECTION;
    if (stage <= CONNECTION && this.phase(snap.phases.connection, HEADERS)) return;
    this.addressPhase = false;
    if (stage <= HEADERS && this.phase(snap.phases.headers, BODY)) return;
    if (stage <= BODY) {
      // the body's prechecks ran at accept (data-plane.ts), before these phases
      const route = ctx.route;
      if (this.expectContinue) this.res.writeContinue();
      if (route !== null && route.inspect && this.unread) {
        // Read once this turn's socket reads are parsed: a body that came with the headers is then complete.
        setImmediate(readWhenParsed, this);
        return;
      }
    }
    if (stage <= CHECKS) {
      ctx.bodyDone = performance.now();
      if (this.phase(snap.phases.body, FORWARD)) return;
    }
    if (this.decide()) return;
    if (this.res.destroyed) return;
    const flight = new Flight(this.req, this.res, ctx, snap, this.host);
    this.flight = flight;
    flight.start();
  }

  /** Runs one phase's checks; true when the request stops here (refused) or goes on later (a check's promise). */
  private phase(checks: readonly Check[], next: number): boolean {
    if (checks.length === 0 || this.ctx.listed === 'bypass') return false;
    const stop = runPhase(this.ctx, checks, this.host.onFault);
    if (stop === false) return false;
    if (stop === true) this.refuseVerdict();
    else
      stop.then(
        (refused) => this.run(refused ? REFUSED : next),
        (err: unknown) => this.host.failed(this, err),
      );
    return true;
  }

  /** Starts the bounded body read (called on an immediate after the 'request' event). */
  read(): void {
    try {
      const route = this.ctx.route!;
      readBody(
        this.req,
        route.config.max_body_bytes,
        this.snap.config.server.body_timeout_ms,
        this,
        this.host.slowBodies,
      );
    } catch (err) {
      this.host.failed(this, err);
    }
  }

  bodyRead(r: ReadResult): void {
    try {
      if (this.res.headersSent || this.res.destroyed) return; // answered meanwhile (a parser error, the client left)
      const { req, ctx, snap } = this;
      const bad = r.ok ? decodeInto(req, ctx, r.body, snap.limits.get(ctx.route!.name)!) : readRefusal(r.code);
      if (bad !== null) {
        // A body over the limit closes the connection even when the parser took all of it in already.
        const close = !req.complete || (!r.ok && r.code === 'body_too_large');
        // a 503 (too many slow bodies at once) says when to come back, as the overload refusal does
        const refusal = bad.status === 503 ? withRetryAfter(bad, snap.config.server.overload_retry_after_s) : bad;
        return this.host.refuse(this.res, ctx, snap, refusal, close);
      }
      this.unread = false;
      this.steps(CHECKS);
    } catch (err) {
      this.host.failed(this, err);
    }
  }

  /** Decide phase: the summed score against the route's thresholds (enforce), or a monitor hit. */
  private decide(): boolean {
    const { ctx, snap, res } = this;
    const cfg = ctx.route?.config;
    const denyAt = cfg?.deny_score ?? Infinity;
    const challengeAt = cfg?.challenge_score ?? Infinity;
    if (ctx.score >= denyAt) {
      const r: Refusal = { decision: 'deny', status: 403, reasons: ctx.reasons, module: 'decide' };
      this.host.refuse(res, ctx, snap, r, this.close);
      return true;
    }
    if (ctx.score >= challengeAt) {
      const r: Refusal = {
        decision: 'challenge',
        status: 401,
        reasons: ctx.reasons,
        module: 'decide',
        headers: WWW_AUTH,
      };
      this.host.refuse(res, ctx, snap, r, this.close);
      return true;
    }
    if (ctx.monitorScore !== 0 && ctx.score + ctx.monitorScore >= Math.min(denyAt, challengeAt)) {
      ctx.monitorHits.push('decide:score');
    }
    return false;
  }

  /** A check's refusal, recorded by the pipeline (ctx.refusal), written. */
  private refuseVerdict(): void {
    this.host.refuse(this.res, this.ctx, this.snap, this.ctx.refusal!, this.close);
  }
}
