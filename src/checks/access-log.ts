// The access log as a log-phase hook (logging.access): one line per request, written after the answer.
// Built only when the log is on, so an off log costs nothing per request.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { accessEntryFor, createAccessSink } from '../telemetry/access-log.js';
import type { CheckDeps } from './deps.js';

export function buildAccessLogCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const dest = config.logging.access;
  if (dest === 'off') return null;
  // One sink per destination, kept across reloads and closed when no configuration names it.
  const sink = deps.resources.get(`access-log:${dest}`, () => createAccessSink(dest));
  return Object.freeze({
    name: 'access',
    phase: 'connection',
    mode: 'enforce', // it never refuses: run() passes every request
    run(): Verdict {
      return PASS;
    },
    onComplete(ctx: RequestContext): void {
      sink.write(accessEntryFor(ctx));
    },
  } satisfies Check);
}
