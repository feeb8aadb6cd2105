// Client address grouping for identity and rate-limit keys lives in src/net/prefix.ts; this name stays for
// its importers (src/ratelimit/*) until they import it from there.
export { groupIp, ipv6Hextets, ipv6Prefix, type GroupLevel, type IpGroups, type IpGrouping } from '../net/prefix.js';
