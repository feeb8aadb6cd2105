// The canvas an SVG asks a renderer for: width x height of the root in CSS px (96 per inch), from its
// width/height with units, else its viewBox. A tiny file can ask for metres of pattern fill.

const LENGTH = /^\s*\+?(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d{1,3}))?\s*(px|pt|pc|mm|cm|in|em|ex|%)?\s*$/;
const PX: Readonly<Record<string, number>> = {
  '': 1,
  px: 1,
  pt: 96 / 72,
  pc: 16,
  mm: 96 / 25.4,
  cm: 96 / 2.54,
  in: 96,
  em: 16,
  ex: 8,
};

/** A length in CSS px; null for a percentage (relative: the viewBox decides); NaN when it is not a length. */
export function lengthPx(value: string): number | null {
  const m = LENGTH.exec(value);
  if (m === null) return NaN;
  const unit = m[3] ?? '';
  if (unit === '%') return null;
  const n = Number(m[1]) * (m[2] !== undefined ? 10 ** Number(m[2]) : 1);
  return n * PX[unit]!;
}

/** [width, height] of a viewBox in user units (taken as px), or null when it is not four numbers. */
function viewBoxSize(value: string): [number, number] | null {
  const parts = value.trim().split(/[\s,]+/);
  if (parts.length !== 4) return null;
  const w = Number(parts[2]);
  const h = Number(parts[3]);
  if (!Number.isFinite(w) || !Number.isFinite(h) || w < 0 || h < 0) return null;
  return [w, h];
}

export interface CanvasLimits {
  readonly maxArea: number;
  readonly maxSide: number;
}

/**
 * True when the root's canvas is within the limits. A missing size with no viewBox is sized by the page or the
 * `<img>` (bounded by them), so it passes; an unreadable length does not.
 */
export function canvasOk(
  width: string | undefined,
  height: string | undefined,
  viewBox: string | undefined,
  limits: CanvasLimits,
): boolean {
  let w = width === undefined ? null : lengthPx(width);
  let h = height === undefined ? null : lengthPx(height);
  if (Number.isNaN(w) || Number.isNaN(h)) return false;
  if (w === null || h === null) {
    if (viewBox === undefined) {
      if (w === null && h === null) return true;
    } else {
      const vb = viewBoxSize(viewBox);
      if (vb === null) return false;
      // One side given: the other follows the viewBox's aspect ratio.
      if (w === null && h === null) [w, h] = vb;
      else if (w === null) w = vb[1] === 0 ? 0 : (h! * vb[0]) / vb[1];
      else h = vb[0] === 0 ? 0 : (w * vb[1]) / vb[0];
    }
    w ??= 0;
    h ??= 0;
  }
  if (w > limits.maxSide || h > limits.maxSide) return false;
  return w * h <= limits.maxArea;
}
