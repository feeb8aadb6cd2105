// Address and CIDR parsing lives in src/net/; this name stays for the importers that still use it
// (src/checks/decisions.ts and src/reputation/{parse,config,decision,decision-cache}.ts) until they move.
export { canonicalV6 } from '../net/ip.js';
export { formatCidr, parseCidr, type Cidr } from '../net/cidr.js';
