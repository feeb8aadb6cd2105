// `npm run schema`: prints the JSON Schema of gateway.yaml to stdout (redirected to schema/gateway.schema.json).
import { gatewayJsonSchema } from './json-schema.js';

process.stdout.write(gatewayJsonSchema());
