// Maps config paths (as zod and the semantic checks report them) back to line:col in the YAML source.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type ConfigPath = readonly PropertyKey[];

export interface Located {
  readonly line: number;
  readonly col: number;
  /** The YAML node the path resolved to (the nearest existing ancestor when the path does not exist). */
  readonly node: Node | null;
  /** True when the whole path exists in the document. */
  readonly exact: boolean;
}

/** `routes[0].name` style, as users would write it in a message. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function contains(range: readonly number[] | null | undefined, offset: number): boolean {
  return (
    !!range &&
    range[0] !== undefined &&
    range[1] !== undefined &&
    offset >= range[0] &&
    offset < Math.max(range[1], range[0] + 1)
  );
}

export class SourcePositions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line and column of a source offset. */
  at(offset: number): { line: number; col: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /**
   * Position of the value at `path`, or with `key: true` of the mapping key that names it.
   * A missing path resolves to its nearest existing ancestor, so a missing key points at its parent.
   */
  locate(path: ConfigPath, options: { key?: boolean } = {}): Located {
    let node: Node | null = this.resolve(this.doc.contents as Node | null);
    let keyNode: Node | null = null;
    let depth = 0;
    for (const part of path) {
      const step = this.child(node, part);
      if (!step) break;
      node = step.value;
      keyNode = step.key;
      depth++;
    }
    const exact = depth === path.length;
    // Point at the key when asked, and for an empty value (`key:` with nothing after it) whose own
    // position would be the end of the key's line.
    const emptyValue = node === null || (isScalar(node) && node.value === null && node.source === '');
    const target = keyNode && (node === null || (exact && (options.key || emptyValue))) ? keyNode : node;
    const offset = target?.range?.[0] ?? 0;
    return { ...this.at(offset), node, exact };
  }

  /** Path (formatted) of the innermost key or value that contains `offset`; '' for the top level. */
  pathAt(offset: number): string {
    const path: PropertyKey[] = [];
    let node: Node | null = this.doc.contents as Node | null;
    const inside = (n: unknown): boolean =>
      n !== null && typeof n === 'object' && 'range' in n && contains((n as Node).range, offset);
    for (let depth = 0; depth < 64 && node; depth++) {
      let next: Node | null = null;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair) || !isScalar(pair.key)) continue;
          if (inside(pair.key)) return formatPath([...path, String(pair.key.value)]);
          if (inside(pair.value)) {
            path.push(String(pair.key.value));
            next = pair.value as Node;
            break;
          }
        }
      } else if (isSeq(node)) {
        const i = node.items.findIndex(inside);
        if (i !== -1) {
          path.push(i);
          next = node.items[i] as Node;
        }
      }
      node = next;
    }
    return formatPath(path);
  }

  private child(node: Node | null, part: PropertyKey): { key: Node | null; value: Node | null } | null {
    if (isMap(node)) {
      // Last match: with duplicate keys, the last value is the one that was validated.
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i];
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : null;
        if (name === String(part)) return { key, value: this.resolve(pair.value as Node | null) };
      }
      return null;
    }
    if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      return item === undefined ? null : { key: null, value: this.resolve(item) };
    }
    return null;
  }

  private resolve(node: Node | null): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? node;
    return node;
  }
}
