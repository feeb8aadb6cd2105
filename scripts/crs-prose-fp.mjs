// CRS false positives on real prose: section titles and sentences of running text of the PGF/TikZ manual
// (fetched by scripts/fetch-pgf-manual.sh; kept out of git) sent as the title and caption of compile requests,
// through the gateway's own steps (`explain --request`: route, JSON decoding, CRS on every non-code target) at
// paranoia levels 1 and 2. A second pass sends the manual's tikzpicture options as a non-code `options` field:
// TikZ options are TeX, and this shows what CRS makes of them when a route forgets to declare them code fields.
// Writes the figures, per rule, to test/vectors/crs/prose-fp.json (ids of the requests CRS refused, never the
// manual's text); a test checks them.
// Usage: npm run build && node scripts/crs-prose-fp.mjs [--max N]   (CRS_DIR: the CRS release, default the
// shared copy beside the repository; PGF_MANUAL_DIR: the manual's sources)
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../dist/config/load.js';
import { contentChecks, explainRequest } from '../dist/cli/explain-request.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values: o } = parseArgs({ options: { max: { type: 'string', default: '1000' } } });
const MAX = Number(o.max);
const CRS_DIR = process.env.CRS_DIR ?? resolve(ROOT, '../shared/crs-v4.28.0');
const MANUAL =
  process.env.PGF_MANUAL_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'portcullis/pgf-manual');

/** TeX markup to the text a reader sees: `\emph{x}` -> x, `\tikzname` -> TikZ, `~` -> space; math kept. */
function plain(s) {
  return s
    .replace(/``|''/g, '"') // TeX's quotes, as a web form gets them
    .replace(/\|([^|\n]*)\|/g, '$1') // the manual's |verbatim| shorthand: the text it shows
    .replace(/\\(?:tikzname|pgfname)\b\\?\s?/g, (m) => (m.includes('pgf') ? 'PGF ' : 'TikZ '))
    .replace(
      /\\(?:emph|textbf|textit|texttt|declare|meta|marg|oarg|opt|cs|tikzname|pgfname|command|mvar|mchoice)\{([^{}]*)\}/g,
      '$1',
    )
    .replace(/\\(?:ref|label|cite|index|href|url|pageref|footnote)\{[^{}]*\}/g, '')
    .replace(/\\[a-zA-Z@]+\*?/g, '')
    .replace(/\\[^a-zA-Z]/g, ' ')
    .replace(/[{}]/g, '')
    .replace(/~/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function extract() {
  const titles = [];
  const captions = [];
  const options = [];
  const files = readdirSync(MANUAL)
    .filter((f) => /^pgfmanual-en-.*\.tex$/.test(f))
    .sort();
  for (const f of files) {
    const lines = readFileSync(join(MANUAL, f), 'utf8').split('\n');
    let env = 0;
    let para = [];
    let paraLine = 0;
    const flush = () => {
      const text = plain(para.join(' '));
      para = [];
      // Sentences of 30 to 200 characters, as a caption would be.
      for (const s of text.split(/(?<=[.!?])\s+(?=[A-Z])/)) {
        if (s.length >= 30 && s.length <= 200) captions.push({ id: `${f}:${paraLine}`, text: s });
      }
    };
    lines.forEach((line, i) => {
      const sec = /^\\(?:sub)*section\*?\{(.*)\}\s*$/.exec(line);
      if (sec) {
        const t = plain(sec[1]);
        if (t.length >= 3) titles.push({ id: `${f}:${i + 1}`, text: t });
      }
      const pic = /\\begin\{tikzpicture\}\[([^\]\n]{3,120})\]/.exec(line);
      if (pic) options.push({ id: `${f}:${i + 1}`, text: pic[1].trim() });
      if (/\\begin\{(?:codeexample|tikzpicture|verbatim|key|command|environment|pgfmanualentry|tabular)/.test(line))
        env++;
      if (/\\end\{(?:codeexample|tikzpicture|verbatim|key|command|environment|pgfmanualentry|tabular)/.test(line)) {
        env = Math.max(0, env - 1);
        return;
      }
      if (env > 0 || line.trim().startsWith('%') || line.trim().startsWith('\\')) {
        if (para.length > 0) flush();
        return;
      }
      if (line.trim() === '') {
        if (para.length > 0) flush();
        return;
      }
      if (para.length === 0) paraLine = i + 1;
      para.push(line);
    });
    if (para.length > 0) flush();
  }
  return { titles, captions, options };
}

const { titles, captions, options } = extract();
// Spread over the manual: take every k-th of each list so all chapters are represented.
const pick = (list, n) => {
  const step = Math.max(1, Math.floor(list.length / n));
  return list.filter((_, i) => i % step === 0).slice(0, n);
};
const n = Math.min(MAX, captions.length);
const T = pick(titles, n);
const C = pick(captions, n);
const O = pick(options, n);
const requests = C.map((c, i) => ({ title: T[i % T.length], caption: c, options: O[i % O.length] }));

const dir = mkdtempSync(join(tmpdir(), 'crs-prose-'));
const headers = {
  host: 'diagrams.example.org',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  accept: 'image/svg+xml,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.5',
};
const result = {
  command: 'npm run build && node scripts/crs-prose-fp.mjs',
  source: `PGF/TikZ manual sources (${readFileSync(join(MANUAL, 'SOURCE'), 'utf8').trim()})`,
  crs: readFileSync(join(CRS_DIR, 'rules/REQUEST-901-INITIALIZATION.conf'), 'utf8').match(
    /OWASP_CRS\/\d+\.\d+\.\d+(?!\.)/,
  )?.[0],
  pools: { titles: titles.length, captions: captions.length, options: options.length },
};
// The exclusion docs/crs.md suggests for fields of free text that the compile service shows and never runs:
// CRS's remote-command-execution rules (tag attack-rce) off for the title and caption.
const PROSE_EXCLUSION = `
    exclusions:
      - { tags: [attack-rce], fields: [title, caption], reason: "free text, shown as text, never run by a shell" }`;
const prose = (r) => ({ title: r.title.text, caption: r.caption.text });
for (const [pass, fieldsOf, extra] of [
  ['prose', prose, ''],
  ['prose_with_rce_exclusion', prose, PROSE_EXCLUSION],
  ['options', (r) => ({ options: r.options.text }), ''],
])
  for (const pl of [1, 2]) {
    const file = join(dir, `${pass}-pl${pl}.yaml`);
    writeFileSync(
      file,
      `upstream: { url: "http://127.0.0.1:9" }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
    code_fields: [tikz_code]
    max_field_chars: 10000
checks:
  signatures: { mode: off }
  crs:
    mode: enforce
    dir: ${JSON.stringify(CRS_DIR)}
    paranoia_level: ${pl}${extra}
`,
    );
    const config = await loadConfigFile(file);
    const checks = contentChecks(config);
    const byRule = {};
    const refused = [];
    // Options: each distinct one once (the manual has a few hundred).
    const sent = pass === 'options' ? options.map((o) => ({ options: o })) : requests;
    for (const r of sent) {
      const json = { tikz_code: '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}', ...fieldsOf(r) };
      const v = explainRequest(
        config,
        {
          method: 'POST',
          path: '/compile',
          headers,
          json,
          tier: 'anonymous',
          user: null,
        },
        checks,
      );
      if (v.decision === 'allow') continue;
      const rules = v.reasons.filter((x) => x !== 'crs:949110');
      for (const x of rules) byRule[x] = (byRule[x] ?? 0) + 1;
      const fields = [...new Set(v.matches.filter((m) => m.rule !== 'crs:949110').map((m) => m.field ?? m.target))];
      const ids = pass === 'options' ? { options: r.options.id } : { title: r.title.id, caption: r.caption.id };
      refused.push({ ...ids, rules, fields });
    }
    (result[pass] ??= { requests: sent.length })[`PL${pl}`] = {
      refused: refused.length,
      rate: Number(((100 * refused.length) / sent.length).toFixed(2)),
      by_rule: Object.fromEntries(Object.entries(byRule).sort((a, b) => b[1] - a[1])),
      refused_requests: refused,
    };
    console.log(
      `${pass} PL${pl}: ${refused.length} of ${sent.length} refused (${result[pass][`PL${pl}`].rate} %)`,
      byRule,
    );
  }
writeFileSync(join(ROOT, 'test/vectors/crs/prose-fp.json'), JSON.stringify(result, null, 1) + '\n');
