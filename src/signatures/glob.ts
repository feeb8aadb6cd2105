// Minimal glob for rule file lists: `*` and `?` in the file-name part only (`rules/*.yaml`, `tex-*.yaml`).
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

function toRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Files matching each pattern, relative to `base`, in pattern order then name order, without duplicates. */
export function expandGlobs(patterns: readonly string[], base: string): { files: string[]; unmatched: string[] } {
  const files: string[] = [];
  const seen = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const full = isAbsolute(pattern) ? pattern : resolve(base, pattern);
    const dir = dirname(full);
    const name = basename(full);
    let found: string[] = [];
    if (!/[*?]/.test(name)) {
      found = isFile(full) ? [full] : [];
    } else {
      let entries: string[] = [];
      try {
        entries = readdirSync(dir);
      } catch {
        entries = [];
      }
      const re = toRegExp(name);
      found = entries
        .filter((e) => re.test(e))
        .sort()
        .map((e) => join(dir, e))
        .filter((f) => statSync(f).isFile());
    }
    if (found.length === 0) unmatched.push(pattern);
    for (const f of found) {
      if (!seen.has(f)) {
        seen.add(f);
        files.push(f);
      }
    }
  }
  return { files, unmatched };
}
