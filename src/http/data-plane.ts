// The data plane: accept -> context -> route and body prechecks -> (exchange.ts) connection/headers/body
// phases -> decide -> forward; the log phase runs on every way a request ends (the response's 'close').
import { bodyFollows } from './framing.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestContext } from '../core/context.js';
import type { Snapshot } from './snapshot.js';
import type { Check } from '../core/check.js';
import { runLogHooks } from '../core/pipeline.js';
import { normaliseIp } from '../net/ip.js';
import { resolveClientIp } from './client-ip.js';
import { requestId } from './request-id.js';
import { canonicalise } from './path.js';
import { protocolProblem } from './protocol.js';
import { precheckBody } from './body-phase.js';
import { refusalJson, writeRefusal } from './refusal.js';
import { Exchange, type ExchangeHost } from './exchange.js';
import { mustClose } from './drain.js';
import { protocolRefusal, withRetryAfter, type Refusal } from '../core/verdict.js';
import { SlowBodySlots } from './slow-bodies.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RequestMetrics } from '../telemetry/request-metrics.js';
import { eventFor, type EventSink } from '../telemetry/events.js';
import type { Logger } from '../telemetry/logger.js';

/** Marks a socket whose request is in the data plane: a property write, cheaper than a WeakSet per request. */
const IN_PLANE = Symbol('portcullis.inPlane');
/** Set once a refusal that closes the connection was written: nothing more is read or forwarded from it. */
const CLOSING = Symbol('portcullis.closing');
/** Pipelined requests waiting for the one in the data plane (handled one at a time, as nginx does). */
const QUEUE = Symbol('portcullis.queue');
/** The exchange in the data plane on this socket (parser errors during its body are answered through it). */
const CURRENT = Symbol('portcullis.current');
type Pending = { req: IncomingMessage; res: ServerResponse; expectContinue: boolean };
type MarkedSocket = Socket & {
  [IN_PLANE]?: boolean;
  [CLOSING]?: boolean;
  [QUEUE]?: Pending[];
  [CURRENT]?: Exchange | null;
};

/** More pipelined requests than this waiting on one connection: the client is abusive, the connection cut. */
const MAX_PIPELINED = 32;

export class DataPlane implements ExchangeHost {
  inflight = 0;
  draining = false;
  private readonly rm: RequestMetrics;
  private idleWaiters: Array<() => void> = [];
  /** Sockets with a request in the data plane (parser errors on them are handled here, not in clientError). */
  readonly active = {
    has: (socket: Socket): boolean => (socket as MarkedSocket)[IN_PLANE] === true,
    /**
     * The parser failed on a socket whose request is in the data plane (bad chunk framing in its body, the
     * request timeout): answer that request with the refusal when nothing was sent yet. False: cut instead.
     */
    refuse: (socket: Socket, status: number, reason: string): boolean => {
      const marked = socket as MarkedSocket;
      const ex = marked[CURRENT];
      if (ex === undefined || ex === null || ex.res.destroyed) return false;
      if (ex.req.complete) {
        // The request in the plane was whole: the bytes after it are what failed. It keeps its answer, and
        // the connection ends after it (the parser cannot go on).
        marked[CLOSING] = true;
        ex.res.shouldKeepAlive = false;
        return true;
      }
      if (ex.res.headersSent) return false;
      ex.flight?.abort(); // a streamed body cut short: the upstream must not wait for the rest
      this.refuse(ex.res, ex.ctx, ex.snap, protocolRefusal('request', status, reason), true);
      return true;
    },
  };

  /** Bodies still arriving: a share of max_inflight, a minimum rate after a grace time (slow-bodies.ts). */
  readonly slowBodies = new SlowBodySlots(() => this.current().config.server);

  constructor(
    private readonly current: () => Snapshot,
    private readonly metrics: Metrics,
    private readonly events: EventSink,
    private readonly log: Logger,
  ) {
    this.rm = new RequestMetrics(metrics);
    metrics.inflightNow.read = () => this.inflight;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => this.accept(req, res, false);
  /** 'checkContinue': 100 Continue is sent only after the cheap phases let the request through. */
  readonly handleContinue = (req: IncomingMessage, res: ServerResponse): void => this.accept(req, res, true);

  private accept(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
    const socket = req.socket as MarkedSocket;
    // Node emits pipelined requests at once; they are taken one at a time, and none after a refusal that
    // closes the connection (the upstream must not compile work whose answer would be thrown away).
    if (socket[CLOSING] === true) return;
    if (socket[IN_PLANE] === true) {
      const queue = (socket[QUEUE] ??= []);
      if (queue.length >= MAX_PIPELINED) socket.destroy();
      else queue.push({ req, res, expectContinue });
      return;
    }
    const snap = this.current();
    const ctx = new RequestContext(req.method ?? 'GET', req.headers, performance.now());
    ctx.peerIp = normaliseIp(req.socket.remoteAddress ?? '');
    if (req.httpVersionMinor === 0) ctx.http10 = true;
    ctx.peerTrusted = snap.trusted.size !== 0 && snap.trusted.has(ctx.peerIp);
    ctx.clientIp = ctx.peerTrusted
      ? resolveClientIp(ctx.peerIp, req.headers['x-forwarded-for'], snap.trusted)
      : ctx.peerIp;
    ctx.id = requestId(req.headers[snap.requestIdHeader], ctx.peerTrusted);
    this.inflight++;
    socket[IN_PLANE] = true;
    const unread = bodyFollows(req.headers);
    const close = unread && mustClose(req);
    const ex = new Exchange(this, req, res, ctx, snap, expectContinue, unread);
    socket[CURRENT] = ex;
    // 'close' is emitted once, whichever way the response ends
    res.on('close', () => {
      socket[IN_PLANE] = false;
      socket[CURRENT] = null;
      if (!res.writableFinished) ex.flight?.abort();
      this.finish(ctx, snap, res);
      this.next(socket);
    });
    if (this.draining) res.shouldKeepAlive = false;
    if (this.inflight > snap.config.server.max_inflight) {
      this.refuse(res, ctx, snap, withRetryAfter(OVERLOADED, snap.config.server.overload_retry_after_s), close);
      return;
    }
    const problem = protocolProblem(req);
    if (problem !== null) {
      this.refuse(res, ctx, snap, protocolRefusal('request', 400, `request:${problem}`), true);
      return;
    }
    const canon = canonicalise(req.url ?? '');
    if (!canon.ok) {
      this.refuse(res, ctx, snap, protocolRefusal('request', 400, `request:${canon.code}`), close);
      return;
    }
    ctx.path = canon.path;
    ctx.query = canon.query;
    ctx.route = snap.router.match(ctx.method, ctx.path);
    if (ctx.route === null) {
      if (snap.config.unmatched.action === 'refuse') {
        this.refuse(res, ctx, snap, protocolRefusal('route', snap.config.unmatched.status, 'route:not_found'), close);
        return;
      }
    } else {
      // What the route takes (media type, charset, encoding, declared length, code fields out of the body) is
      // read from the headers alone, like the route itself: refused here, before any check, a malformed request
      // costs what an unknown path costs (under a flood of them the reject path is the gateway's whole job)
      const pre = precheckBody(req, ctx.route);
      if (pre !== null) {
        this.refuse(res, ctx, snap, pre, close);
        return;
      }
    }
    ex.run();
  }

  /** Starts the next pipelined request of a connection, unless a closing refusal (or the client) ended it. */
  private next(socket: MarkedSocket): void {
    const queue = socket[QUEUE];
    if (queue === undefined || queue.length === 0) return;
    if (socket[CLOSING] === true || socket.destroyed) {
      queue.length = 0;
      return;
    }
    const p = queue.shift()!;
    this.accept(p.req, p.res, p.expectContinue);
  }

  /** A fault of the gateway itself: logged, answered 500 (or the connection cut, when headers went out). */
  failed(ex: Exchange, err: unknown): void {
    this.log.error({ err, request_id: ex.ctx.id }, 'request pipeline failed');
    this.refuse(ex.res, ex.ctx, ex.snap, INTERNAL, true);
  }

  /**
   * The one refusal path: records the refusal and its decision on the context (once: the log phase reads
   * them) and writes it. `close`: the connection ends after it (drain.ts says when an unread body allows not).
   */
  refuse(res: ServerResponse, ctx: RequestContext, snap: Snapshot, r: Refusal, close: boolean): void {
    ctx.refusal = r;
    ctx.decision = r.decision;
    ctx.status = r.status;
    const closing = close || this.draining;
    if (closing) (res.req.socket as MarkedSocket | null)![CLOSING] = true;
    const body = refusalJson(r.status, ctx.id, r.reasons, snap.disclose);
    writeRefusal(res, r.status, body, snap.securityHeaders, snap.requestIdHeader, ctx.id, r.headers, closing);
    ctx.firstByteOut = performance.now();
    ctx.bytesOut = ctx.method === 'HEAD' ? 0 : Buffer.byteLength(body);
  }

  readonly onFault = (check: Pick<Check, 'name'>, err: unknown): void => {
    this.metrics.checkErrors.labels(check.name).inc();
    this.log.error({ err, check: check.name }, 'check failed');
  };

  /** The log phase: always runs, once, whatever happened. */
  private finish(ctx: RequestContext, snap: Snapshot, res: ServerResponse): void {
    ctx.end = performance.now();
    if (ctx.status === 0) ctx.status = res.writableFinished ? res.statusCode : 499; // 499: client went away
    try {
      this.rm.record(ctx);
      const ev = eventFor(ctx);
      if (ev !== null) {
        this.events.write(ev);
        this.metrics.securityEvents.labels(ev.decision).inc();
      }
    } catch (err) {
      this.onFault({ name: 'log' }, err);
    }
    if (snap.logChecks.length !== 0) runLogHooks(ctx, snap.logChecks, this.onFault);
    this.inflight--;
    if (this.inflight === 0 && this.idleWaiters.length !== 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * The drain time ran out: the request in the plane on `socket` gets a 503 (`gateway:draining`, Connection:
   * close) when nothing of its answer went out yet, and its upstream work is stopped. False when there is
   * none or its answer has begun (the caller then cuts the connection).
   */
  refuseForDrain(socket: Socket): boolean {
    const ex = (socket as MarkedSocket)[CURRENT];
    if (ex === undefined || ex === null || ex.res.destroyed || ex.res.headersSent) return false;
    this.refuse(ex.res, ex.ctx, ex.snap, DRAINING, true);
    ex.flight?.abort(); // after the answer: the aborted forwarding sees the client as gone and stays quiet
    return true;
  }

  /** Resolves when no request is in flight (for draining). */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

const INTERNAL = protocolRefusal('gateway', 500, 'gateway:internal', 'error');

const OVERLOADED = protocolRefusal('gateway', 503, 'gateway:overloaded');

/** Shutting down: try again (another instance, or this one restarted). */
const DRAINING = withRetryAfter(protocolRefusal('gateway', 503, 'gateway:draining'), 1);
