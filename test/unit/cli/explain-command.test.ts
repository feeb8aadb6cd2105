// `portcullis explain --request` in-process: exit codes and the printed verdict for allowed, refused, malformed
// and unreadable input (the CLI's process test covers one stdin run; coverage sees only in-process code).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { explainRequestCommand } from '../../../src/cli/explain-request.js';
import { ROOT } from '../../helpers/process.js';
import { CRS_DIR, HAVE_CRS } from '../../helpers/crs-dir.js';

const CONFIG = join(ROOT, 'gateway.yaml');
const dir = mkdtempSync(join(tmpdir(), 'explain-cmd-'));

async function explain(input: string, extra: { tier?: string; configFile?: string; request?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await explainRequestCommand(
    {
      configFile: extra.configFile ?? CONFIG,
      request: extra.request ?? '-',
      stdin: Readable.from([Buffer.from(input)]),
      ...(extra.tier === undefined ? {} : { tier: extra.tier }),
    },
    { out: (s) => out.push(s), err: (s) => err.push(s) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('explain --request (in-process)', () => {
  it('an ordinary diagram: exit 0, no match, decision allow, and the event line', async () => {
    const r = await explain(JSON.stringify({ json: { tikz_code: '\\draw (0,0) -- (1,1);' } }));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^request: POST \/compile {2}route \S+, tier anonymous$/m);
    expect(r.out).toMatch(/^matches: none$/m);
    expect(r.out).toMatch(/^decision: allow, score 0$/m);
    expect(JSON.parse(/^event: (.*)$/m.exec(r.out)![1]!)).toMatchObject({ decision: 'allow', score: 0 });
  });

  it('\\write18: exit 3, the rule that matched with its score, and a refusal naming the signatures', async () => {
    const r = await explain(JSON.stringify({ json: { tikz_code: '\\immediate\\write18{id}' } }), { tier: 'premium' });
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/tier premium/);
    expect(r.out).toMatch(/^ {2}CRITICAL +latex\.\S+ +\+\d+ +code:tikz_code @\d+$/m);
    expect(r.out).toMatch(/^decision: (DENY|REFUSE) \(\d{3}\) by \S+, score [1-9]\d*, reasons: /m);
  });

  it('a request read from a file gives the same answer as from stdin', async () => {
    const text = JSON.stringify({ path: '/compile', json: { tikz_code: '\\input{/etc/passwd}' } });
    const file = join(dir, 'req.json');
    writeFileSync(file, text);
    const fromFile = await explain('', { request: file });
    const fromStdin = await explain(text);
    expect(fromFile).toEqual(fromStdin);
    expect(fromFile.code).toBe(3);
  });

  it.each([
    ['not JSON', '{', /^explain: the request is not JSON: /],
    ['two bodies', JSON.stringify({ body: 'x', json: {} }), /give one of "body", "json" or "form"/],
    ['a lower-case method', JSON.stringify({ method: 'get' }), /^explain: request\.method: an upper-case method$/m],
  ])('%s: exit 2 with a message on stderr, nothing on stdout', async (_name, input, message) => {
    const r = await explain(input);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(message);
  });

  it('an unreadable request file: exit 2 naming the file', async () => {
    const r = await explain('', { request: join(dir, 'missing.json') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^explain: cannot read .*missing\.json: ENOENT/);
  });

  it('a broken configuration: exit 1 with its positioned problems', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'upstream: { url: 7 }\n');
    const r = await explain(JSON.stringify({}), { configFile: bad });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:1:\d+ /);
  });

  it.runIf(HAVE_CRS || process.env.CI === 'true')(
    'CRS runs too: its rule on a title is a match and a reason, the code field is never its target',
    async () => {
      const file = join(dir, 'crs.yaml');
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
checks:
  signatures: { mode: off }
  crs: { mode: enforce, dir: ${JSON.stringify(CRS_DIR)}, paranoia_level: 1 }
`,
      );
      // A browser's headers: CRS refuses a request without Host (920280) on its own.
      const headers = { host: 'diagrams.example.org', 'user-agent': 'Mozilla/5.0', accept: '*/*' };
      const attack = JSON.stringify({ headers, json: { tikz_code: '\\draw (0,0);', title: '../../../../etc/passwd' } });
      const r = await explain(attack, { configFile: file });
      expect(r.code).toBe(3);
      expect(r.out).toMatch(/^ {2}critical +crs:930120 +\+0 +ARGS:title @0$/m);
      expect(r.out).toMatch(/^decision: DENY \(403\) by crs, score \d+, reasons: .*crs:949110/m);
      // The same text in the code field is TeX's business: CRS does not read it.
      const inCode = JSON.stringify({ headers, json: { tikz_code: '% ../../../../etc/passwd', title: 'x' } });
      expect((await explain(inCode, { configFile: file })).out).toMatch(/^matches: none$/m);
    },
  );
});
