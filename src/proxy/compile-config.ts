// gateway.yaml `routes[].compile`: a route whose answers are compiles, how their outcome is read and reported.
import { z } from 'zod';

/** A header name as HTTP spells it (RFC 9110 token); compared lower case. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, 'header names are 1-64 token characters');

const statusList = z.array(z.number().int().min(300).max(599)).max(50);

export const compileSchema = z
  .strictObject({
    /**
     * trust: read the compile service's outcome headers (validated strictly; a bad or missing set is counted
     * and the outcome inferred). ignore: infer the outcome from the status, the time and upstream failures.
     */
    outcome_headers: z.enum(['trust', 'ignore']).default('ignore'),
    headers: z
      .strictObject({
        outcome: headerName.default('x-compile-outcome'),
        wall_ms: headerName.default('x-compile-wall-ms'),
        cpu_ms: headerName.default('x-compile-cpu-ms'),
      })
      .prefault({}),
    /** Remove those headers from the client's answer: they tell an attacker how close a payload came to a limit. */
    strip_headers: z.boolean().default(true),
    /**
     * Upstream statuses that mean an outcome when it is inferred (2xx is ok, other 4xx rejected, other statuses
     * error). The defaults are the reference compile service's (examples/compile-service), one status each.
     */
    statuses: z
      .strictObject({
        tex_error: statusList.default([422]),
        timeout: statusList.default([504]),
        memory: statusList.default([507]),
        too_large: statusList.default([502]),
      })
      .prefault({}),
    /** Security events for compiles: every one, those not ok, or none (refusals and monitor hits always have one). */
    events: z.enum(['all', 'failures', 'off']).default('all'),
  })
  .superRefine((c, ctx) => {
    const names = new Set([c.headers.outcome, c.headers.wall_ms, c.headers.cpu_ms].map((n) => n.toLowerCase()));
    if (names.size !== 3) {
      ctx.addIssue({ code: 'custom', path: ['headers'], message: 'the three outcome headers need three names' });
    }
    const seen = new Map<number, string>();
    for (const [outcome, list] of Object.entries(c.statuses)) {
      list.forEach((status, i) => {
        const other = seen.get(status);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['statuses', outcome, i],
            message: `status ${status} already means ${other}`,
          });
        }
        seen.set(status, outcome);
      });
    }
  });

export type CompileConfig = z.infer<typeof compileSchema>;
