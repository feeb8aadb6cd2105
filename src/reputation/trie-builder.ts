// The prefix trie's builder lives in src/net/cidr-trie-builder.ts; this name stays for the importers that
// still use it (src/checks/decisions.ts, src/reputation/decision-cache.ts) until they move.
export { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';
