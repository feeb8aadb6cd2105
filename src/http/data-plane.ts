// The data plane: accept -> context -> connection/headers/body phases -> decide -> forward; the log phase
// runs on every way a request ends (the response's 'close').
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestContext } from '../core/context.js';
import type { Snapshot } from '../core/snapshot.js';
import type { Check } from '../core/check.js';
import { runPhase, runLogHooks } from '../core/pipeline.js';
import { normaliseIp } from '../net/ip.js';
import { resolveClientIp } from './client-ip.js';
import { requestId } from './request-id.js';
import { canonicalise } from './path.js';
import { protocolProblem } from './protocol.js';
import { precheckBody, readAndDecode } from './body-phase.js';
import { refusalJson, writeRefusal } from './refusal.js';
import { Flight, type Refuser } from './flight.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RequestMetrics } from '../telemetry/request-metrics.js';
import { eventFor, type EventSink } from '../telemetry/events.js';
import type { Logger } from '../telemetry/logger.js';

const WWW_AUTH = Object.freeze({ 'www-authenticate': 'Bearer realm="portcullis"' });

export class DataPlane implements Refuser {
  inflight = 0;
  draining = false;
  private readonly rm: RequestMetrics;
  private idleWaiters: Array<() => void> = [];
  /** Sockets with a request in the data plane (parser errors on them are handled here, not in clientError). */
  readonly active = new WeakSet<Socket>();

  constructor(
    private readonly current: () => Snapshot,
    private readonly metrics: Metrics,
    private readonly events: EventSink,
    private readonly log: Logger,
  ) {
    this.rm = new RequestMetrics(metrics);
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
    this.metrics.inflight.inc();
    const socket = req.socket;
    this.active.add(socket);
    let flight: Flight | null = null;
    res.once('close', () => {
      this.active.delete(socket);
      if (!res.writableFinished) flight?.abort();
      this.finish(ctx, snap, res);
    });
    if (this.draining) res.shouldKeepAlive = false;
    const unread = hasBody(req);
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
    this.run(req, res, ctx, snap, expectContinue, unread).then(
      (f) => {
        flight = f;
        if (f !== null && res.destroyed) f.abort();
      },
      (err: unknown) => {
        this.log.error({ err, request_id: ctx.id }, 'request pipeline failed');
        this.refuse(res, ctx, snap, 500, ['gateway:internal'], 'gateway', true);
        ctx.decision = 'error';
      },
    );
  }

  private async run(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    snap: Snapshot,
    expectContinue: boolean,
    unread: boolean,
  ): Promise<Flight | null> {
    const onFault = this.onFault;
    // connection + headers phases: client address and headers only, no body read yet
    for (const phase of [snap.phases.connection, snap.phases.headers]) {
      if (phase.length === 0 || ctx.listed === 'bypass') continue;
      let stop = runPhase(ctx, phase, onFault);
      if (stop instanceof Promise) stop = await stop;
      if (stop) return this.refuseVerdict(res, ctx, snap, unread);
    }
    const route = ctx.route;
    if (route !== null) {
      const pre = precheckBody(req, route);
      if (pre !== null) {
        this.refuse(res, ctx, snap, pre.status, [pre.code], 'request', unread);
        return null;
      }
    }
    if (expectContinue) res.writeContinue();
    if (route !== null && route.inspect && unread) {
      const bad = await readAndDecode(
        req,
        ctx,
        route,
        snap.limits.get(route.name)!,
        snap.config.server.body_timeout_ms,
      );
      if (bad !== null) {
        this.refuse(res, ctx, snap, bad.status, [bad.code], 'request', !req.complete);
        return null;
      }
      unread = false;
    }
    ctx.bodyDone = performance.now();
    if (snap.phases.body.length !== 0 && ctx.listed !== 'bypass') {
      let stop = runPhase(ctx, snap.phases.body, onFault);
      if (stop instanceof Promise) stop = await stop;
      if (stop) return this.refuseVerdict(res, ctx, snap, unread);
    }
    if (this.decide(res, ctx, snap, unread)) return null;
    if (res.destroyed) return null;
    const flight = new Flight(req, res, ctx, snap, this);
    flight.start();
    return flight;
  }

  /** Decide phase: the summed score against the route's thresholds (enforce), or a monitor hit. */
  private decide(res: ServerResponse, ctx: RequestContext, snap: Snapshot, unread: boolean): boolean {
    const cfg = ctx.route?.config;
    const denyAt = cfg?.deny_score ?? Infinity;
    const challengeAt = cfg?.challenge_score ?? Infinity;
    if (ctx.score >= denyAt) {
      this.refuse(res, ctx, snap, 403, ctx.reasons, 'decide', unread);
      ctx.decision = 'deny';
      return true;
    }
    if (ctx.score >= challengeAt) {
      this.refuse(res, ctx, snap, 401, ctx.reasons, 'decide', unread, WWW_AUTH);
      ctx.decision = 'challenge';
      return true;
    }
    if (ctx.monitorScore !== 0 && ctx.score + ctx.monitorScore >= Math.min(denyAt, challengeAt)) {
      ctx.monitorHits.push('decide:score');
    }
    return false;
  }

  private refuseVerdict(res: ServerResponse, ctx: RequestContext, snap: Snapshot, unread: boolean): null {
    const v = ctx.refusal!;
    this.refuse(res, ctx, snap, v.status, v.reasons, ctx.refusedBy, unread, v.headers);
    ctx.decision = v.kind === 'deny' && v.status >= 500 ? 'error' : v.kind;
    return null;
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

  private readonly onFault = (check: Pick<Check, 'name'>, err: unknown): void => {
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
    this.metrics.inflight.dec();
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
