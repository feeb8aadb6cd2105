// What CRS rules read of a request, built once per request from the gateway's context: ARGS, headers, cookies,
// URI parts and the body as byte strings. Code fields (TeX, `code_fields`) are never among them: they are left
// out of ARGS, and the query string, Cookie header and body text are rebuilt without them when they hold one.
import type { RequestContext } from '../core/context.js';
import { codeFieldNames, type CodeFieldNames } from '../body/code-fields.js';
import { bytesOf } from './operators.js';

export interface Entry {
  /** The key as sent (header names lower case, as Node gives them). */
  readonly key: string;
  readonly lkey: string;
  readonly value: string;
}

export interface CrsInput {
  readonly method: string;
  readonly uri: string;
  readonly filename: string;
  readonly basename: string;
  readonly protocol: string;
  readonly queryString: string;
  readonly body: string;
  readonly bodyLength: number;
  readonly bodyProcessor: string;
  readonly remoteAddr: string;
  readonly uniqueId: string;
  readonly argsGet: readonly Entry[];
  readonly argsPost: readonly Entry[];
  readonly headers: readonly Entry[];
  readonly cookies: readonly Entry[];
  /** Text nodes and attribute values of an XML body (`XML:/*`), keys `text` / `@name`. */
  readonly xml: readonly Entry[];
  /** Multipart file parts: key the part's name, value the file name. */
  readonly files: readonly Entry[];
  /** Multipart part headers, key the part's name. */
  readonly partHeaders: readonly Entry[];
}

/** Every variable a rule may name; a rule naming another is listed as unsupported at load. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  'ARGS',
  'ARGS_NAMES',
  'ARGS_GET',
  'ARGS_GET_NAMES',
  'ARGS_POST',
  'ARGS_POST_NAMES',
  'ARGS_COMBINED_SIZE',
  'REQUEST_HEADERS',
  'REQUEST_HEADERS_NAMES',
  'REQUEST_COOKIES',
  'REQUEST_COOKIES_NAMES',
  'REQUEST_FILENAME',
  'REQUEST_BASENAME',
  'REQUEST_URI',
  'REQUEST_URI_RAW',
  'REQUEST_LINE',
  'REQUEST_METHOD',
  'REQUEST_PROTOCOL',
  'QUERY_STRING',
  'REQUEST_BODY',
  'REQUEST_BODY_LENGTH',
  'REQBODY_PROCESSOR',
  'REQBODY_ERROR',
  'REMOTE_ADDR',
  'UNIQUE_ID',
  'TX',
  'MATCHED_VAR',
  'MATCHED_VAR_NAME',
  'MATCHED_VARS',
  'MATCHED_VARS_NAMES',
  // Multipart and XML bodies are read here for CRS alone (the gateway forwards them as they came).
  'FILES',
  'FILES_NAMES',
  'FILES_COMBINED_SIZE',
  'MULTIPART_PART_HEADERS',
  'XML',
]);

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** ModSecurity's lenient URL decoding of a query part: `+` is a space, invalid escapes stay as they are. */
function decodeLenient(s: string): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) out += ' ';
    else if (c === 37 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += s[i];
  }
  return out;
}

const entry = (key: string, value: string): Entry => ({ key, lkey: key.toLowerCase(), value });

/** `a=1&b=2` -> entries, code fields left out; `kept` is the raw text without them (null: nothing removed). */
function parsePairs(text: string, names: CodeFieldNames): { entries: Entry[]; kept: string | null } {
  const entries: Entry[] = [];
  if (text === '') return { entries, kept: null };
  const keep: string[] = [];
  let removed = false;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeLenient(eq === -1 ? pair : pair.slice(0, eq));
    if (names.canonical(Buffer.from(key, 'latin1').toString('utf8')) !== null) {
      removed = true;
      continue;
    }
    keep.push(pair);
    entries.push(entry(key, decodeLenient(eq === -1 ? '' : pair.slice(eq + 1))));
  }
  return { entries, kept: removed ? keep.join('&') : null };
}

function parseCookies(header: string, names: CodeFieldNames): { entries: Entry[]; kept: string | null } {
  const entries: Entry[] = [];
  const keep: string[] = [];
  let removed = false;
  for (const part of header.split(';')) {
    const t = part.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    const key = eq === -1 ? t : t.slice(0, eq);
    if (names.canonical(key) !== null) {
      removed = true;
      continue;
    }
    keep.push(t);
    entries.push(entry(key, eq === -1 ? '' : t.slice(eq + 1)));
  }
  return { entries, kept: removed ? keep.join('; ') : null };
}

/** XML's text nodes and attribute values, as ModSecurity's `XML:/*` lists them (no DTD, no entities). */
const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's predefined and numeric character references, as a parser hands values over (UTF-8 bytes). */
function xmlDecode(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|(lt|gt|amp|quot|apos));/g, (m, hx, dec, name) => {
    if (name !== undefined) return XML_ENTITIES[name as string] ?? m;
    const cp = hx !== undefined ? parseInt(hx as string, 16) : parseInt(dec as string, 10);
    if (!Number.isFinite(cp) || cp > 0x10ffff) return m;
    return bytesOf(String.fromCodePoint(cp));
  });
}

function xmlValues(body: string): Entry[] {
  const out: Entry[] = [];
  const attr = /\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (const tag of body.matchAll(/<[^!?/][^>]*>/g)) {
    for (const a of tag[0].matchAll(attr)) out.push(entry(`@${a[1]!}`, xmlDecode(a[2] ?? a[3] ?? '')));
  }
  for (const t of body.matchAll(/>([^<]+)</g)) if (t[1]!.trim() !== '') out.push(entry('text', xmlDecode(t[1]!)));
  for (const c of body.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)) out.push(entry('text', c[1]!));
  return out;
}

interface Part {
  readonly name: string;
  readonly filename: string | null;
  readonly headers: readonly string[];
  readonly value: string;
}

/** multipart/form-data parts (RFC 7578): name, file name, header lines, value. Malformed parts are skipped. */
function multipartParts(body: string, type: string): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (m === null) return [];
  const delim = `--${m[1] ?? m[2]!}`;
  const out: Part[] = [];
  for (const chunk of body.split(delim).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = chunk.replace(/^\r?\n/, '');
    const end = part.search(/\r?\n\r?\n/);
    if (end === -1) continue;
    const headers = part.slice(0, end).split(/\r?\n/);
    const value = part
      .slice(end)
      .replace(/^\r?\n\r?\n/, '')
      .replace(/\r?\n$/, '');
    const disp = headers.find((h) => /^content-disposition\s*:/i.test(h)) ?? '';
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1] ?? /\bname=([^;\s]+)/i.exec(disp)?.[1] ?? '';
    const fn = /\bfilename="([^"]*)"/i.exec(disp) ?? /\bfilename=([^;\s]+)/i.exec(disp);
    out.push({ name, filename: fn === null ? null : fn[1]!, headers, value });
  }
  return out;
}

/** JSON leaves as ARGS (name: the path, `a.b[0].c`, `tags`), code fields and everything under them left out. */
function jsonLeaves(v: unknown, path: string, names: CodeFieldNames, out: Entry[]): void {
  if (Array.isArray(v)) {
    // Scalars of an array are named by the array itself, as ModSecurity's JSON parser names them
    // (`{"roles__contained_by": ["admin"]}` is an argument `roles__contained_by`: 934210).
    v.forEach((x, i) => jsonLeaves(x, x !== null && typeof x === 'object' ? `${path}[${i}]` : path, names, out));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (names.canonical(k) !== null) continue;
      jsonLeaves(x, path === '' ? k : `${path}.${k}`, names, out);
    }
  } else {
    out.push(entry(bytesOf(path), bytesOf(v === null ? '' : String(v))));
  }
}

/** The path as the upstream receives it: percent-encoded where RFC 3986 wants it. */
const encodePath = (p: string): string =>
  /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/.test(p)
    ? p
    : p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (c) => encodeURIComponent(c));

export function buildInput(ctx: RequestContext, fallbackCodeFields: ReadonlySet<string>): CrsInput {
  const names = codeFieldNames(ctx.route?.codeFields ?? fallbackCodeFields);
  const query = parsePairs(ctx.query, names);
  const queryString = query.kept ?? ctx.query;
  // REQUEST_FILENAME is the decoded path, as ModSecurity and Coraza give it (933151 finds `array_diff (` in
  // `/array_diff%20%28`); REQUEST_URI keeps the path encoded, as sent on to the upstream.
  const filename = bytesOf(ctx.path);
  const encoded = encodePath(ctx.path);
  const uri = queryString === '' ? encoded : `${encoded}?${queryString}`;

  const headers: Entry[] = [];
  let cookies: Entry[] = [];
  for (const [k, v] of Object.entries(ctx.headers)) {
    if (v === undefined) continue;
    let value = Array.isArray(v) ? v.join(', ') : v;
    if (k === 'cookie') {
      const c = parseCookies(value, names);
      cookies = c.entries;
      if (c.kept !== null) value = c.kept;
    }
    headers.push(entry(k, value));
  }

  const argsPost: Entry[] = [];
  let body = '';
  let bodyProcessor = '';
  let xml: Entry[] = [];
  const files: Entry[] = [];
  const partHeaders: Entry[] = [];
  const decoded = ctx.decoded;
  if (decoded !== null) {
    let hasCode = false;
    for (const f of decoded.fields) {
      if (f.code) {
        hasCode = true;
        continue;
      }
      if (decoded.type === 'other') continue;
      argsPost.push(entry(bytesOf(f.path === '' ? f.name : f.path), bytesOf(f.value)));
    }
    if (decoded.type === 'form') {
      bodyProcessor = 'URLENCODED';
      const raw = ctx.body === null ? '' : ctx.body.toString('latin1');
      body = hasCode ? (parsePairs(raw, names).kept ?? raw) : raw;
    } else if (decoded.type === 'json') {
      bodyProcessor = 'JSON';
      // Every leaf, not only strings: `{"password__isnull": true}` is an attack in its name (934210). The
      // decoder's document when it kept one (the gateway's own decoding), else the body parsed here.
      if (ctx.body !== null) {
        let doc: unknown = decoded.document;
        if (doc === undefined) {
          try {
            doc = JSON.parse(ctx.body.toString('utf8'));
          } catch {
            doc = undefined; // the gateway's strict decoder accepted it; keep its string fields then
          }
        }
        if (doc !== undefined) {
          argsPost.length = 0;
          jsonLeaves(doc, '', names, argsPost);
        }
      }
    } else if (!hasCode && ctx.body !== null) {
      body = ctx.body.toString('latin1');
      const rawType = String(ctx.headers['content-type'] ?? '');
      const type = rawType.toLowerCase();
      if (type === '') {
        // As CRS's 901340 asks of ModSecurity: a body without a Content-Type is read as a form.
        bodyProcessor = 'URLENCODED';
        argsPost.push(...parsePairs(body, names).entries);
      } else if (/^(?:text|application)\/(?:[\w.+-]*\+)?xml\b/.test(type)) {
        // ModSecurity's XML and multipart processors leave REQUEST_BODY empty: the parts are the targets.
        bodyProcessor = 'XML';
        xml = xmlValues(body);
        body = '';
      } else if (type.startsWith('multipart/form-data')) {
        bodyProcessor = 'MULTIPART';
        const parts = multipartParts(body, rawType);
        body = '';
        for (const p of parts) {
          if (names.canonical(Buffer.from(p.name, 'latin1').toString('utf8')) !== null) continue;
          partHeaders.push(...p.headers.map((h) => entry(p.name, h)));
          if (p.filename === null) argsPost.push(entry(p.name, p.value));
          else files.push(entry(p.name, p.filename));
        }
      }
    }
  } else if (ctx.body !== null) {
    body = ctx.body.toString('latin1');
  }
  const slash = filename.lastIndexOf('/');
  return {
    method: ctx.method,
    uri,
    filename,
    basename: filename.slice(slash + 1),
    protocol: 'HTTP/1.1',
    queryString,
    body,
    bodyLength: ctx.body?.length ?? 0,
    bodyProcessor,
    remoteAddr: ctx.clientIp,
    uniqueId: ctx.id,
    argsGet: query.entries,
    argsPost,
    headers,
    cookies,
    xml,
    files,
    partHeaders,
  };
}
