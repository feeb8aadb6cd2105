// `portcullis explain --request` in-process: exit codes and the printed verdict for allowed, refused, malformed
// and unreadable input (the CLI's process test covers one stdin run; coverage sees only in-process code).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { explainRequestCommand } from '../../../src/cli/explain-request.js';
import { ROOT } from '../../helpers/process.js';

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
});
