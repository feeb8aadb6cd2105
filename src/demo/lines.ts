// The demo's curl lines: one forwarded, then refusals (malformed, signatures, rate limit), each with the status
// it must produce. The 429 line comes last among the data-plane lines: it spends the per-minute allowance.

export interface DemoLine {
  readonly command: string;
  readonly expect: number;
  readonly what: string;
}

const W = `-s -o /dev/null -w '-> %{http_code}\\n'`;
const JSON_CT = `-H 'content-type: application/json'`;

export function demoLines(url: string, adminUrl: string, backend: 'tex' | 'fixture' = 'fixture'): DemoLine[] {
  const tikz = String.raw`{"tikz_code":"\\begin{tikzpicture}\\draw[->] (0,0) -- (2,1) node[right] {$f(x)$};\\end{tikzpicture}"}`;
  const attack = String.raw`{"tikz_code":"\\immediate\\write18{cat /etc/passwd}"}`;
  return [
    {
      command: `curl ${W} ${JSON_CT} --data '${tikz}' ${url}/compile`,
      expect: 200,
      what:
        backend === 'tex'
          ? 'forwarded and compiled to SVG (drop "-o /dev/null" to see it)'
          : 'forwarded to the fixture, which answers a fixed SVG',
    },
    {
      command: `curl -s -w ' -> %{http_code}\\n' ${JSON_CT} --data '${attack}' ${url}/compile`,
      expect: 403,
      what: 'refused by the signatures: shell escape (\\write18); the security event below names the rule',
    },
    {
      command: `curl -s -w ' -> %{http_code}\\n' ${JSON_CT} --data '{"tikz_code":"a","tikz_code":"b"}' ${url}/compile`,
      expect: 400,
      what: 'refused as malformed: a duplicate JSON key (the body names the category; the event has the code)',
    },
    {
      command: `curl ${W} -H 'content-type: text/html' --data 'x' ${url}/compile`,
      expect: 415,
      what: 'refused: content type not allowed',
    },
    { command: `curl ${W} ${url}/%2e%2e/etc/passwd`, expect: 400, what: 'refused: path climbing above the root' },
    {
      command: `for i in $(seq 12); do curl -s -o /dev/null -w '-> %{http_code}\\n' ${url}/health; done | tail -n 1`,
      expect: 429,
      what: "twelve quick requests: past the anonymous tier's burst, 429 with Retry-After (wait a minute to go on)",
    },
    { command: `curl ${W} ${adminUrl}/metrics`, expect: 200, what: 'Prometheus metrics on the admin listener' },
  ];
}
