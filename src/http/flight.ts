// One forwarded request in flight: the response phase (caps, response checks, headers) and upstream failures.
import { declaresBody } from './framing.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { RequestContext } from '../core/context.js';
import type { Snapshot } from './snapshot.js';
import type { ForwardCallbacks, Forwarding } from '../proxy/forward.js';
import { forward } from '../proxy/forward.js';
import { clientHeaders, upstreamHeaders } from '../proxy/headers.js';
import { classifyUpstreamError, statusFor } from '../proxy/upstream-error.js';
import { encodePath } from './path.js';
import { limitedBody } from '../body/limited-stream.js';
import { applyVerdict } from '../core/pipeline.js';
import { BodyTooLargeError } from '../core/errors.js';
import { protocolRefusal, type Refusal } from '../core/verdict.js';
import { responseChecksFor } from '../response/select.js';
import { applyRewrite, askIdentity, type Answer } from '../response/rewrite.js';
import { compileAborted, compileAnswered, compileFailed } from './compile-answer.js';

/** How the data plane writes refusals (shared with the request phases). */
export interface Refuser {
  refuse(res: ServerResponse, ctx: RequestContext, snap: Snapshot, r: Refusal, close: boolean): void;
}

const RESPONSE_CHECK_FAILED = protocolRefusal('gateway', 502, 'gateway:check_failed', 'error');
const STREAMED_TOO_LARGE = protocolRefusal('request', 413, 'request:body_too_large');

export class Flight implements ForwardCallbacks {
  private handle: Forwarding | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ctx: RequestContext,
    private readonly snap: Snapshot,
    private readonly refuser: Refuser,
  ) {}

  start(): void {
    const { req, ctx, snap } = this;
    const route = ctx.route;
    const buffered = ctx.body !== null;
    const h = req.headers;
    let body: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer> | null = null;
    if (buffered) body = ctx.body;
    else if (declaresBody(h)) {
      body = h['content-length'] === undefined && route !== null ? limitedBody(req, route.config.max_body_bytes) : req;
    }
    const headers = upstreamHeaders(req.rawHeaders, h['connection'], {
      clientIp: ctx.clientIp,
      peerIp: ctx.peerIp,
      peerTrusted: ctx.peerTrusted,
      requestId: ctx.id,
      requestIdHeader: snap.requestIdHeader,
      proto: 'http',
      buffered,
    });
    // Only routes with response checks buffer their answers (the others stream), and ask for them uncompressed.
    const inspected = responseChecksFor(snap.response, route?.name ?? null).length !== 0;
    if (inspected) askIdentity(headers);
    const url = ctx.query === '' ? encodePath(ctx.path) : `${encodePath(ctx.path)}?${ctx.query}`;
    ctx.upstreamSent = performance.now();
    this.handle = forward(
      snap.pool,
      this.res,
      {
        path: url,
        method: ctx.method,
        headers,
        body: body as NodeJS.ReadableStream | Buffer | null,
        timeoutMs: route?.responseTimeoutMs ?? snap.config.upstream.timeout_ms,
        maxResponseBytes: route?.maxResponseBytes ?? snap.config.upstream.max_response_bytes,
        bufferResponse: inspected,
      },
      this,
    );
  }

  /** Client went away: stop the upstream work. */
  abort(): void {
    compileAborted(this.ctx);
    this.handle?.abort();
  }

  headers(status: number, headers: IncomingHttpHeaders): string[] {
    this.ctx.upstreamHeaders = performance.now();
    this.ctx.status = status;
    const c = this.ctx;
    const seen = compileAnswered(c, status, headers);
    return clientHeaders(seen, this.snap.securityHeaders, this.snap.requestIdHeader, c.id, c.responseHeaders);
  }

  inspect(status: number, headers: IncomingHttpHeaders, body: Buffer): Answer | null {
    const ctx = this.ctx;
    ctx.upstreamHeaders = performance.now();
    compileAnswered(ctx, status, headers);
    let upstream: Answer = { status, headers, body };
    for (const check of responseChecksFor(this.snap.response, ctx.route?.name ?? null)) {
      let v;
      try {
        v = check.run(ctx, upstream);
      } catch {
        this.refuser.refuse(this.res, ctx, this.snap, RESPONSE_CHECK_FAILED, false);
        return null;
      }
      // Response checks share the request checks' verdict rules (monitor mode never refuses); what they
      // refuse is the upstream's answer, so the client gets 502 whatever status the verdict carried.
      if (applyVerdict(ctx, check, v)) {
        this.refuser.refuse(this.res, ctx, this.snap, { ...ctx.refusal!, status: 502 }, false);
        return null;
      }
      // A check may let the answer through changed (a cleaned SVG, its CSP): later checks see the change.
      if (v.kind === 'continue') upstream = applyRewrite(upstream, v, check.mode);
    }
    return upstream;
  }

  firstByte(): void {
    this.ctx.firstByteOut = performance.now();
  }

  sent(bytes: number): void {
    this.ctx.bytesOut = bytes;
  }

  failed(err: Error): void {
    const ctx = this.ctx;
    compileFailed(ctx, err, false);
    if (err instanceof BodyTooLargeError) {
      this.refuser.refuse(this.res, ctx, this.snap, STREAMED_TOO_LARGE, true);
      return;
    }
    const kind = classifyUpstreamError(err);
    ctx.upstreamError = kind;
    this.refuser.refuse(
      this.res,
      ctx,
      this.snap,
      protocolRefusal('upstream', statusFor(kind), `upstream:${kind}`, 'error'),
      true,
    );
  }

  broken(err: Error): void {
    compileFailed(this.ctx, err, true);
    this.ctx.upstreamError = classifyUpstreamError(err);
    this.ctx.decision = 'error';
    this.res.destroy();
  }
}
