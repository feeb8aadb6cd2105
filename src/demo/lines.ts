// The demo's curl lines: one forwarded, then refusals, each with the status it must produce.

export interface DemoLine {
  readonly command: string;
  readonly expect: number;
  readonly what: string;
}

const W = `-s -o /dev/null -w '-> %{http_code}\\n'`;
const JSON_CT = `-H 'content-type: application/json'`;

export function demoLines(url: string, adminUrl: string): DemoLine[] {
  const tikz = String.raw`{"tikz_code":"\\begin{tikzpicture}\\draw[->] (0,0) -- (2,1) node[right] {$f(x)$};\\end{tikzpicture}"}`;
  return [
    {
      command: `curl ${W} ${JSON_CT} --data '${tikz}' ${url}/compile`,
      expect: 200,
      what: 'forwarded to the compile service',
    },
    {
      command: `curl -s -w ' -> %{http_code}\\n' ${JSON_CT} --data '{"tikz_code":"a","tikz_code":"b"}' ${url}/compile`,
      expect: 400,
      what: 'refused as malformed: a duplicate JSON key (the body names the category; the event has the code)',
    },
    {
      command: `curl ${W} ${JSON_CT} --data '{"tikz_code": ' ${url}/compile`,
      expect: 400,
      what: 'refused: malformed JSON',
    },
    {
      command: `curl ${W} -H 'content-type: text/html' --data 'x' ${url}/compile`,
      expect: 415,
      what: 'refused: content type not allowed',
    },
    { command: `curl ${W} ${url}/%2e%2e/etc/passwd`, expect: 400, what: 'refused: path climbing above the root' },
    { command: `curl ${W} ${adminUrl}/metrics`, expect: 200, what: 'Prometheus metrics on the admin listener' },
  ];
}
