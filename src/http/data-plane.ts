// The data plane: accept -> context -> (exchange.ts) connection/headers/body phases -> decide -> forward; the
// log phase runs on every way a request ends (the response's 'close').
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestContext } from '../core/context.js';
import type { Snapshot } from '../core/snapshot.js';
import type { Check } from '../core/check.js';
import { runLogHooks } from '../core/pipeline.js';
import { normaliseIp } from '../net/ip.js';
import { resolveClientIp } from './client-ip.js';
import { requestId } from './request-id.js';
import { canonicalise } from './path.js';
import { protocolProblem } from './protocol.js';
import { refusalJson, writeRefusal } from './refusal.js';
import { Exchange, type ExchangeHost } from './exchange.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RequestMetrics } from '../telemetry/request-metrics.js';
import { eventFor, type EventSink } from '../telemetry/events.js';
import type { Logger } from '../telemetry/logger.js';

/** Marks a socket whose request is in the data plane: a property write, cheaper than a WeakSet per request. */
const IN_PLANE = Symbol('portcullis.inPlane');
type MarkedSocket = Socket & { [IN_PLANE]?: boolean };

export class DataPlane implements ExchangeHost {
  inflight = 0;
  draining = false;
  private readonly rm: RequestMetrics;
  private idleWaiters: Array<() => void> = [];
  /** Sockets with a request in the data plane (parser errors on them are handled here, not in clientError). */
  readonly active = { has: (socket: Socket): boolean => (socket as MarkedSocket)[IN_PLANE] === true };

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
    const snap = this.current();
    const ctx = new RequestContext(req.method ?? 'GET', req.headers, performance.now());
    ctx.peerIp = normaliseIp(req.socket.remoteAddress ?? '');
    ctx.peerTrusted = snap.trusted.size !== 0 && snap.trusted.has(ctx.peerIp);
    ctx.clientIp = ctx.peerTrusted
      ? resolveClientIp(ctx.peerIp, req.headers['x-forwarded-for'], snap.trusted)
      : ctx.peerIp;
    ctx.id = requestId(req.headers[snap.requestIdHeader], ctx.peerTrusted);
    this.inflight++;
    const socket = req.socket as MarkedSocket;
    socket[IN_PLANE] = true;
    const unread = hasBody(req);
    const ex = new Exchange(this, req, res, ctx, snap, expectContinue, unread);
    // 'close' is emitted once, whichever way the response ends
    res.on('close', () => {
      socket[IN_PLANE] = false;
      if (!res.writableFinished) ex.flight?.abort();
      this.finish(ctx, snap, res);
    });
    if (this.draining) res.shouldKeepAlive = false;
    if (this.inflight > snap.config.server.max_inflight) {
      const retry = { 'retry-after': String(snap.config.server.overload_retry_after_s) };
      this.refuse(res, ctx, snap, 503, ['gateway:overloaded'], 'gateway', unread, retry);
      return;
    }
    const problem = protocolProblem(req);
    if (problem !== null) {
      this.refuse(res, ctx, snap, 400, [`request:${problem}`], 'request', true);
      return;
    }
    const canon = canonicalise(req.url ?? '');
    if (!canon.ok) {
      this.refuse(res, ctx, snap, 400, [`request:${canon.code}`], 'request', unread);
      return;
    }
    ctx.path = canon.path;
    ctx.query = canon.query;
    ctx.route = snap.router.match(ctx.method, ctx.path);
    if (ctx.route === null && snap.config.unmatched.action === 'refuse') {
      this.refuse(res, ctx, snap, snap.config.unmatched.status, ['route:not_found'], 'route', unread);
      return;
    }
    ex.run();
  }

  /** A fault of the gateway itself: logged, answered 500 (or the connection cut, when headers went out). */
  failed(ex: Exchange, err: unknown): void {
    this.log.error({ err, request_id: ex.ctx.id }, 'request pipeline failed');
    this.refuse(ex.res, ex.ctx, ex.snap, 500, ['gateway:internal'], 'gateway', true);
    ex.ctx.decision = 'error';
  }

  refuse(
    res: ServerResponse,
    ctx: RequestContext,
    snap: Snapshot,
    status: number,
    reasons: readonly string[],
    module: string,
    close: boolean,
    headers?: Readonly<Record<string, string>>,
  ): void {
    if (ctx.refusal === null || ctx.refusal.reasons !== reasons) {
      ctx.refusal = { kind: status === 429 ? 'limit' : status === 401 ? 'challenge' : 'deny', status, reasons };
    }
    ctx.refusedBy = module;
    ctx.decision = 'refuse';
    ctx.status = status;
    const all = [...snap.securityHeaders, [snap.requestIdHeader, ctx.id] as const];
    writeRefusal(
      res,
      status,
      refusalJson(status, ctx.id, reasons, snap.disclose),
      all,
      headers,
      close || this.draining,
    );
    ctx.firstByteOut = performance.now();
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

  /** Resolves when no request is in flight (for draining). */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return (cl !== undefined && cl !== '0') || req.headers['transfer-encoding'] !== undefined;
}
