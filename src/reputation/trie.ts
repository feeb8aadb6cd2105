// The prefix trie lives in src/net/cidr-trie.ts; this name stays for the importers that still use it
// (src/checks/reputation.ts, src/reputation/decision-cache.ts) until they move.
export { PrefixTrie, type Combine } from '../net/cidr-trie.js';
