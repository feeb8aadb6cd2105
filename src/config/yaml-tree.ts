// Parses gateway.yaml into a positioned tree and reports what YAML itself finds wrong (syntax, duplicate keys).
import { isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

export interface TreeProblem {
  /** Source offset of the problem. */
  readonly offset: number;
  readonly message: string;
}

export interface ParsedTree {
  readonly doc: Document;
  readonly lines: LineCounter;
  /** Syntax errors: when present, the tree is not trustworthy enough to validate further. */
  readonly syntax: readonly TreeProblem[];
  readonly duplicates: readonly TreeProblem[];
}

export function parseTree(text: string): ParsedTree {
  const lines = new LineCounter();
  // uniqueKeys is checked here instead, to name the key and where it was first defined.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, merge: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => ({
    offset: e.pos[0],
    message: e.name === 'YAMLWarning' ? `${e.message} (YAML warnings are errors here)` : e.message,
  }));
  return { doc, lines, syntax, duplicates: findDuplicateKeys(doc, lines) };
}

function findDuplicateKeys(doc: Document, lines: LineCounter): TreeProblem[] {
  const problems: TreeProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const first = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = pair.key;
        const name = String(key.value);
        if (name === '<<') continue; // several merge keys are allowed
        const earlier = first.get(name);
        if (!earlier) {
          first.set(name, key);
          continue;
        }
        const at = lines.linePos(earlier.range?.[0] ?? 0);
        problems.push({
          offset: key.range?.[0] ?? 0,
          message: `duplicate key "${name}" (first defined at line ${at.line}, column ${at.col})`,
        });
      }
    },
  });
  return problems;
}
