// Test helper: opens an HTTP answer (an SVG) in Debian's headless Chromium, as a document and inside an <img>,
// and reports every sign of active content: dialogs, console output, page errors and any request beyond the
// answer itself.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';

/** Debian's `chromium` package (scripts/install-test-deps.sh); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const HAVE_CHROMIUM = ((): boolean => {
  const r = spawnSync(CHROMIUM_PATH, ['--version'], { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined && r.status === 0;
})();

/**
 * `describe` for suites that need Chromium. Under CI=true a missing browser fails the file; locally the suite
 * is skipped with a loud message.
 */
export const describeWithChromium = ((): typeof describe | typeof describe.skip => {
  if (HAVE_CHROMIUM) return describe;
  if (process.env.CI === 'true') {
    throw new Error(`chromium not found at ${CHROMIUM_PATH} and CI=true: install Debian package chromium`);
  }
  console.warn(
    `\n*** chromium not found at ${CHROMIUM_PATH}: SKIPPING browser suites (apt-get install chromium) ***\n`,
  );
  return describe.skip;
})();

export async function launchChromium(): Promise<Browser> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      // No name resolves but 127.0.0.1's: a page's request for any other host fails in the browser, with no
      // DNS query or connection leaving the machine (the request is still seen and recorded).
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      // Chromium refuses to start its sandbox as root; the tests run as root in CI.
      ...(root ? ['--no-sandbox'] : []),
    ],
  });
}

/** An HTTP answer as a client got it. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What one page showed. Empty arrays everywhere mean: nothing active happened. */
export interface PageReport {
  /** `alert`/`confirm`/`prompt` messages: only script opens a dialog. */
  readonly dialogs: string[];
  readonly console: string[];
  readonly pageErrors: string[];
  /** Requests the page made other than the page and the answer themselves (URL, as the browser asked). */
  readonly leaked: string[];
  /** The image's natural width when opened in an <img> (0: it did not render); -1 for the document view. */
  readonly imgWidth: number;
}

/** A view not asked for is null. */
export interface SvgReport {
  readonly document: PageReport | null;
  readonly img: PageReport | null;
}

export type View = 'document' | 'img';

/** Headers not to replay: they describe the original connection, not the answer. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date', 'content-encoding']);

/** How long a page is watched after load, for timers, animations (SMIL begins at 0s) and late requests. */
const SETTLE_MS = 400;

/**
 * Opens answers one at a time; two pages (document, <img>) reused across answers, one browser context. Use
 * several viewers for answers at once.
 */
export interface SvgViewer {
  open(answer: Answer, views?: readonly View[]): Promise<SvgReport>;
  close(): Promise<void>;
}

interface Watched {
  readonly page: Page;
  own: string[];
  report: Mutable;
}

type Mutable = { dialogs: string[]; console: string[]; pageErrors: string[]; leaked: string[] };

const fresh = (): Mutable => ({ dialogs: [], console: [], pageErrors: [], leaked: [] });

/**
 * Each answer is served from a new 127.0.0.1 server with its own headers at /answer.svg, beside a page that
 * holds it in an <img> at /img.html; the document view opens /answer.svg, the image view /img.html. Every
 * request a page tries to make other than those two (whether or not a CSP stops it) is recorded; it fails
 * in the browser (launchChromium resolves no host but 127.0.0.1), so nothing leaves the machine; requests that reach the local server on any other path count too.
 */
export async function createSvgViewer(browser: Browser): Promise<SvgViewer> {
  const context = await browser.newContext();
  const watched = async (): Promise<Watched> => {
    const w: Watched = { page: await context.newPage(), own: [], report: fresh() };
    w.page.on('dialog', (d) => {
      w.report.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
    w.page.on('console', (m) => w.report.console.push(`${m.type()}: ${m.text()}`));
    w.page.on('pageerror', (e) => w.report.pageErrors.push(e.message));
    w.page.on('request', (r) => {
      const u = r.url();
      if (!w.own.includes(u)) w.report.leaked.push(u);
    });
    return w;
  };
  const doc = await watched();
  const img = await watched();

  async function visit(w: Watched, url: string, own: string[], asImg: boolean): Promise<PageReport> {
    w.own = own;
    w.report = fresh();
    const res = await w.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (res === null || res.status() !== 200) throw new Error(`${url}: status ${res?.status() ?? 'none'}`);
    await w.page.waitForTimeout(SETTLE_MS);
    const imgWidth = asImg
      ? await w.page.evaluate(() => {
          const d = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
          return (d.getElementById('i') as { naturalWidth: number }).naturalWidth;
        })
      : -1;
    const report = w.report;
    // What the page does from now on belongs to no report; leave it while its server still answers, so that
    // nothing it still loads (the favicon) fails into the next answer's report.
    w.report = fresh();
    await w.page.goto('about:blank');
    w.own = [];
    return { ...report, imgWidth };
  }

  return {
    async open(answer: Answer, views: readonly View[] = ['document', 'img']): Promise<SvgReport> {
      const stray: string[] = [];
      const server = http.createServer((req, res) => {
        const path = req.url ?? '';
        if (path === '/answer.svg') {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(answer.headers)) if (!HOP.has(k.toLowerCase())) headers[k] = v;
          res.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
          res.end(answer.body);
        } else if (path === '/img.html') {
          const html =
            '<!doctype html><html><head><title>img</title></head><body><img id="i" src="/answer.svg"></body></html>';
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(html);
        } else if (path === '/favicon.ico') {
          // The browser asks for it by itself; an empty answer keeps a 404 out of the console.
          res.writeHead(204);
          res.end();
        } else {
          stray.push(`${req.method ?? '?'} ${path}`);
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const [asDoc, asImg] = await Promise.all([
          views.includes('document')
            ? visit(doc, `${origin}/answer.svg`, [`${origin}/answer.svg`, `${origin}/favicon.ico`], false)
            : null,
          views.includes('img')
            ? visit(
                img,
                `${origin}/img.html`,
                [`${origin}/img.html`, `${origin}/answer.svg`, `${origin}/favicon.ico`],
                true,
              )
            : null,
        ]);
        // A request that reached our server on another path: counted against the view(s) opened.
        const add = (r: PageReport | null): PageReport | null =>
          r === null ? null : { ...r, leaked: [...r.leaked, ...stray] };
        return { document: add(asDoc), img: asDoc === null ? add(asImg) : asImg };
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
    close: () => context.close(),
  };
}

/** True when a page showed no sign of active content. */
export function inert(r: PageReport): boolean {
  return r.dialogs.length === 0 && r.leaked.length === 0 && r.pageErrors.length === 0 && r.console.length === 0;
}
