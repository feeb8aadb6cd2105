// The reputation check (module `rep`, connection phase, first): bypass, allow and deny lists and threat
// feeds, decided by one trie lookup of the client address. Allow-listed and bypassing clients are marked
// on the context (later checks and the data plane skip them) and logged.
import { resolve } from 'node:path';
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import type { ReputationConfig } from '../reputation/config.js';
import { ALLOW, BYPASS, DENY, ListsBuilder, type Mark } from '../reputation/lists.js';
import { packEntries, type ListFormat } from '../reputation/parse.js';
import { ListFile, Rebuilt } from '../reputation/sources.js';
import type { PrefixTrie } from '../net/cidr-trie.js';
import { normaliseIp } from '../net/ip.js';
import type { CheckDeps } from './deps.js';

function active(c: ReputationConfig): boolean {
  if (c.mode === 'off') return false;
  const lists = [c.allow, c.deny, c.bypass, c.allow_files, c.deny_files, c.bypass_files, c.feeds];
  return lists.some((l) => l.length > 0);
}

export function buildReputationCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.reputation;
  if (!active(c)) return null;
  const file = (path: string, label: string, format: ListFormat, strict: boolean): ListFile => {
    const abs = resolve(path);
    return deps.resources.get(
      `rep:file:${format}:${strict ? 'strict' : 'lenient'}:${abs}`,
      () => new ListFile(abs, label, deps.log, { format, strict }),
    );
  };
  // Labels are the config keys naming the files: a problem is reported there (file:line:col of gateway.yaml).
  const bypassFiles = c.bypass_files.map((p, i) => file(p, `reputation.bypass_files[${i}]`, 'plain', true));
  const allowFiles = c.allow_files.map((p, i) => file(p, `reputation.allow_files[${i}]`, 'plain', true));
  const denyFiles = c.deny_files.map((p, i) => file(p, `reputation.deny_files[${i}]`, 'plain', true));
  const feedFiles = c.feeds.map((f, i) => file(f.file, `reputation.feeds[${i}].file`, f.format, false));
  const inline = { bypass: packEntries(c.bypass), allow: packEntries(c.allow), deny: packEntries(c.deny) };

  const build = (): PrefixTrie<Mark> => {
    const b = new ListsBuilder(c.feeds);
    const t = b.table;
    b.add(inline.bypass, t.of(BYPASS, [])).add(inline.allow, t.of(ALLOW, [])).add(inline.deny, t.of(DENY, []));
    for (const f of bypassFiles) b.add(f.parsed.list, t.of(BYPASS, []));
    for (const f of allowFiles) b.add(f.parsed.list, t.of(ALLOW, []));
    for (const f of denyFiles) b.add(f.parsed.list, t.of(DENY, []));
    feedFiles.forEach((f, i) => b.add(f.parsed.list, t.of(0, [i])));
    return b.build();
  };
  const all = [...bypassFiles, ...allowFiles, ...denyFiles, ...feedFiles];
  const lists = new Rebuilt(build, all, deps.log);
  const log = deps.log;
  const logListed = c.log_listed;

  deps.admin?.('GET /admin/api/reputation', async (_req, _body, url) => {
    const trie = lists.current;
    const body: Record<string, unknown> = {
      prefixes: trie.size,
      trie_nodes: trie.nodes,
      trie_bytes: trie.bytes,
      files: all.map((f) => f.status()),
    };
    const ip = normaliseIp(url.searchParams.get('ip') ?? '');
    if (ip !== '') {
      const m = trie.lookup(ip);
      body.ip = ip;
      body.listed = m?.listed ?? '';
      body.feeds = m?.feeds.map((i) => c.feeds[i]!.name) ?? [];
      body.verdict =
        m === undefined ? { kind: 'continue', reasons: [] } : { kind: m.verdict.kind, reasons: m.verdict.reasons };
    }
    return { status: 200, body };
  });

  return Object.freeze({
    name: 'rep',
    phase: 'connection',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      const m = lists.current.lookup(ctx.clientIp);
      if (m === undefined) return PASS;
      if (m.listed !== '') {
        // allow and bypass are not refusals: they apply in monitor mode too
        ctx.listed = m.listed;
        return PASS;
      }
      return m.verdict;
    },
    onComplete(ctx: RequestContext): void {
      if (ctx.listed === '' || !logListed) return;
      log.info(
        {
          request_id: ctx.id,
          client_ip: ctx.clientIp,
          listed: ctx.listed,
          route: ctx.route?.name ?? '_unmatched',
          status: ctx.status,
        },
        ctx.listed === 'bypass' ? 'request bypassed every check' : 'allow-listed request',
      );
    },
  } satisfies Check);
}
