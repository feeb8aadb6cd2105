// Validates YAML files against schema/gateway.schema.json with ajv (strict, ajv-formats), as an editor would:
// prints "<file>: valid" or one line per error naming the key path; exit 1 if any file is invalid.
// Used by scripts/day-one.sh; run from a checkout whose node_modules hold the devDependencies.
// usage: node scripts/day-one-ajv.mjs SCHEMA.json FILE.yaml...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

// Resolve the libraries from the working directory's checkout (the fresh clone), not from this file's.
const require = createRequire(join(resolve(process.cwd()), 'package.json'));
const { Ajv } = require('ajv');
const addFormats = require('ajv-formats').default ?? require('ajv-formats');
const { parse } = require('yaml');

const [schemaFile, ...files] = process.argv.slice(2);
if (!schemaFile || files.length === 0) {
  process.stderr.write('usage: node scripts/day-one-ajv.mjs SCHEMA.json FILE.yaml...\n');
  process.exit(2);
}
// strict: an unknown keyword or format in the schema is an error, not a silent pass.
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));

/** `/upstream` + additionalProperty `timout_ms` -> `upstream.timout_ms`, as the loader names keys. */
function keyPath(e) {
  const parts = e.instancePath.split('/').slice(1);
  if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty));
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

let bad = 0;
for (const file of files) {
  if (validate(parse(readFileSync(file, 'utf8')))) {
    process.stdout.write(`${file}: valid\n`);
    continue;
  }
  bad += 1;
  for (const e of validate.errors ?? []) process.stdout.write(`${file}: ${keyPath(e)}: ${e.message}\n`);
}
process.exit(bad > 0 ? 1 : 0);
