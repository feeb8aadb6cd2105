// The V8 flag Portcullis is meant to run with, and how to tell whether this process got it (a startup hint).

/** A 32 MiB young-generation semi-space: fewer scavenges per request (docs/operations.md, "Runtime flags"). */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=32';

const SEMI_SPACE = /(?:^|\s)--max[-_]semi[-_]space[-_]size(?:=|\s|$)/;

/**
 * Null when the process was started with a semi-space size of its own (any value: the operator chose), on
 * the command line or in NODE_OPTIONS; otherwise the hint to log at startup. The flag cannot be set from
 * inside a running process (V8 sizes its heap at startup), so the launcher must pass it.
 */
export function semiSpaceHint(execArgv: readonly string[], nodeOptions: string | undefined): string | null {
  if (execArgv.some((a) => SEMI_SPACE.test(a)) || SEMI_SPACE.test(nodeOptions ?? '')) return null;
  return (
    `node was started without ${SEMI_SPACE_FLAG}: the gateway runs, with more garbage-collection work per ` +
    `request (start it as \`node ${SEMI_SPACE_FLAG} dist/main.js start\`, or set NODE_OPTIONS=${SEMI_SPACE_FLAG}; ` +
    'see docs/operations.md, "Runtime flags")'
  );
}
