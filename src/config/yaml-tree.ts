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
  const keys = checkKeys(doc, lines);
  // A collection as a key has no config meaning, and converting it would only warn; stop like a syntax error.
  return { doc, lines, syntax: [...syntax, ...keys.complex], duplicates: keys.duplicates };
}

function checkKeys(doc: Document, lines: LineCounter): { duplicates: TreeProblem[]; complex: TreeProblem[] } {
  const problems: TreeProblem[] = [];
  const complex: TreeProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const first = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        if (!isScalar(pair.key)) {
          const offset = (pair.key as Node | null)?.range?.[0] ?? map.range?.[0] ?? 0;
          if (pair.key !== null)
            complex.push({ offset, message: 'mapping keys must be plain names, not lists or mappings' });
          continue;
        }
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
  return { duplicates: problems, complex };
}
