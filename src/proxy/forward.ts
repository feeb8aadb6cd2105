// Forwarding through an undici Pool: one dispatch per request, the response streamed (or buffered when a
// response check must see it) with size caps, backpressure, and client aborts propagated upstream.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { ClientGoneError, ResponseTooLargeError } from '../core/errors.js';

type Controller = Dispatcher.DispatchController;

export interface ForwardRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: string[];
  readonly body: Buffer | NodeJS.ReadableStream | null;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Buffer the whole response and hand it to `inspect` before anything is sent. */
  readonly bufferResponse: boolean;
}

/** What the response phase lets through of a buffered answer: its headers and body, either possibly replaced. */
export interface Inspected {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ForwardCallbacks {
  /** Response headers arrived: return the headers to send (the response phase). */
  headers(status: number, headers: IncomingHttpHeaders): string[];
  /** Buffered mode only: decide on the full body; null when a refusal was written instead. */
  inspect(status: number, headers: IncomingHttpHeaders, body: Buffer): Inspected | null;
  /** First byte written to the client. */
  firstByte(): void;
  /** The answer is complete: body bytes written to the client (for the access log). */
  sent?(bytes: number): void;
  /** The upstream failed before anything was sent: write a refusal. */
  failed(err: Error): void;
  /** The upstream failed after headers were sent: the client connection is cut. */
  broken(err: Error): void;
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Controller | null = null;
  /** The client went away before undici started the request: abort as soon as it starts. */
  private abortPending = false;
  private sent = 0;
  private status = 0;
  private upstreamHeaders: IncomingHttpHeaders = {};
  private chunks: Buffer[] | null = null;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly req: ForwardRequest,
    private readonly cb: ForwardCallbacks,
  ) {}

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    // Queued for a pool connection or still connecting when the client left: undici had nothing to abort
    // then, so the request would be sent and its answer written to a dead response (nodejs/undici#5360).
    if (this.abortPending || this.res.destroyed) controller.abort(new ClientGoneError());
  }

  /** The client went away: stop the upstream work too (now, or as soon as undici starts the request). */
  abort(): void {
    if (this.done) return;
    if (this.controller === null) this.abortPending = true;
    else if (!this.controller.aborted) this.controller.abort(new ClientGoneError());
  }

  onResponseStart(controller: Controller, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return; // informational: not forwarded
    if (this.res.destroyed) {
      controller.abort(new ClientGoneError());
      return;
    }
    const cl = headers['content-length'];
    if (typeof cl === 'string' && Number(cl) > this.req.maxResponseBytes) {
      controller.abort(new ResponseTooLargeError('upstream response exceeds the cap'));
      return;
    }
    this.status = status;
    this.upstreamHeaders = headers;
    if (this.req.bufferResponse) {
      this.chunks = [];
      return;
    }
    const out = this.cb.headers(status, headers);
    this.res.writeHead(status, out);
    this.cb.firstByte();
    if (this.req.method === 'HEAD') this.res.flushHeaders();
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.sent += chunk.length;
    if (this.sent > this.req.maxResponseBytes) {
      controller.abort(new ResponseTooLargeError('upstream response exceeds the cap'));
      return;
    }
    if (this.chunks !== null) {
      this.chunks.push(chunk);
      return;
    }
    // A destroyed response never drains: pausing would hold the upstream connection (and undici asserts
    // when the upstream then closes a paused socket). Abort instead.
    if (this.res.destroyed) {
      controller.abort(new ClientGoneError());
      return;
    }
    if (!this.res.write(chunk)) {
      controller.pause();
      waitForDrain(this.res, controller);
    }
  }

  onResponseEnd(): void {
    this.done = true;
    if (this.res.destroyed) return;
    if (this.chunks !== null) {
      const body = Buffer.concat(this.chunks, this.sent);
      this.chunks = null;
      const passed = this.cb.inspect(this.status, this.upstreamHeaders, body);
      if (passed === null) return;
      const { 'content-length': _drop, ...rest } = passed.headers;
      const out = this.cb.headers(this.status, rest);
      out.push('content-length', String(passed.body.length));
      this.res.writeHead(this.status, out);
      this.cb.firstByte();
      this.res.end(passed.body);
      this.cb.sent?.(passed.body.length);
      return;
    }
    this.res.end();
    this.cb.sent?.(this.sent);
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.done = true;
    if (err instanceof ClientGoneError || this.res.destroyed) return; // nobody to answer; the log phase saw 499
    if (this.res.headersSent) this.cb.broken(err);
    else this.cb.failed(err);
  }
}

/** Resumes the upstream when the client drains, or aborts it when the client goes away first. */
function waitForDrain(res: ServerResponse, controller: Controller): void {
  const onDrain = () => {
    res.off('close', onClose);
    controller.resume();
  };
  const onClose = () => {
    res.off('drain', onDrain);
    if (!controller.aborted) controller.abort(new ClientGoneError());
  };
  res.once('drain', onDrain);
  res.once('close', onClose);
}

export interface Forwarding {
  abort(): void;
}

export function forward(pool: Dispatcher, res: ServerResponse, req: ForwardRequest, cb: ForwardCallbacks): Forwarding {
  const handler = new ForwardHandler(res, req, cb);
  pool.dispatch(
    {
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body as Dispatcher.DispatchOptions['body'],
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    },
    handler,
  );
  return handler;
}
