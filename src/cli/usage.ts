// The CLI's words: the overall usage, one help text per command, and the version (read from package.json).
import { readFileSync } from 'node:fs';

export const COMMANDS = ['start', 'check', 'test-rules', 'explain', 'hash-key'] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `usage: portcullis <command> [options]
       portcullis --help | --version
       portcullis <command> --help

commands:
  start       [--config FILE]        run the gateway (default ./gateway.yaml)
  check       [--config FILE]        validate a configuration; prints every problem, exits 1 if any
  test-rules  [--config FILE]        run every rule's own examples
  explain     [--request FILE|-] [--file SAMPLE.tex] [--route PATH] [--tier TIER] [--config FILE]
              [--id REQUEST_ID [--events FILE]]
                                     show how a request (or a TeX sample) is scored and what is decided
                                     (exit 0: allowed, 3: would be refused)
  hash-key    [--user NAME] [--tier TIER]
                                     read an API key on stdin, print its SHA-256 as identity.api_keys expects

Docs: README.md and docs/ of the source (configuration.md, identity.md, rules.md, operations.md).
`;

const HELP: Readonly<Record<Command, string>> = {
  start: `usage: portcullis start [--config FILE]

Runs the gateway with FILE (default ./gateway.yaml). SIGHUP reloads the configuration (a bad file is refused
and the running one kept), SIGTERM and SIGINT drain requests in flight for server.drain_timeout_ms, then exit.
Logs go to stdout (LOG_LEVEL overrides logging.level); security events to logging.events.
`,
  check: `usage: portcullis check [--config FILE]

Validates FILE as start would load it. Every problem is printed as file:line:col path: message; exit 1 if
any, 0 and "FILE: ok" otherwise.
`,
  'test-rules': `usage: portcullis test-rules [--config FILE]

Runs the examples every rule carries (must_match / must_not_match) with the rule files FILE names (the
shipped rules/ when FILE does not exist). Exit 1 when an example misbehaves.
`,
  explain: `usage: portcullis explain [--request FILE|-] [--tier TIER] [--config FILE]
       portcullis explain --file SAMPLE.tex [--route PATH] [--tier TIER] [--config FILE]
       portcullis explain --id REQUEST_ID [--events FILE] [--config FILE]

With --request (a file, or - for stdin; stdin is read when neither option is given and it is not a
terminal): a whole request as JSON, decoded and inspected as the gateway does, e.g.
  {"method": "POST", "path": "/compile?x=1", "headers": {"content-type": "application/json"},
   "body": "{\\"tikz_code\\": \\"\\\\\\\\write18{id}\\"}", "tier": "anonymous"}
"body" is the raw body text; "json" (any value) or "form" (an object of strings) build one instead and set
the content type. The score and reasons are those a security event of the same request reports from the
signatures.
With --file: the sample's text as the code field of the route --route PATH (POST) matches.
With --id: the request's security event from the events log (--events, else logging.events), its decision
and the trust score term by term (component, code, value, weight, contribution, unscored), with the
precedence: allow list > bypass > thresholds. Exit 3 when the log holds no event of that id.
With trust on, --request prints the trust breakdown too (as a first request: no history, no known device).
Exit 0: allowed, 3: would be refused, 1: configuration error, 2: bad input.
`,
  'hash-key': `usage: portcullis hash-key [--user NAME] [--tier TIER] < key.txt

Reads one API key on stdin (a final newline is dropped) and prints its SHA-256 in hex, the form
identity.api_keys.keys and identity.api_keys.file expect; the key itself is never stored. With --user,
prints a whole entry to paste into the list:
  - { sha256: <hex>, user: NAME, tier: TIER }
Make a key with e.g.:  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='
`,
};

export function isCommand(s: string): s is Command {
  return (COMMANDS as readonly string[]).includes(s);
}

export function helpOf(command: Command): string {
  return HELP[command];
}

/** The version of the package this CLI ships in (dist/cli/usage.js -> ../../package.json). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}
