// gateway.yaml `routes[].svg` and `routes[].canaries`: SVG inspection of the route's answers, and strings whose
// presence in any answer of the route means data is leaving the server (docs/configuration.md, "Response phase").
import { z } from 'zod';
import { bytes, MAX_BYTES } from '../config/limits.js';

/** The CSP every SVG answer carries: no script, no fetches, inline styles and data: images only, sandboxed. */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

const count = (max: number) => z.number().int().positive().max(max);

export const svgSchema = z.strictObject({
  /** enforce: act (refuse or strip); monitor: count and log what would be done, pass the answer unchanged. */
  mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
  /** refuse: 502 with the reason; strip: remove what is not allowed and send the cleaned SVG. */
  action: z.enum(['refuse', 'strip']).default('refuse'),
  /**
   * Also inspect the SVG carried in this top-level string field of JSON answers (`application/json`,
   * `*+json`); absent: only `image/svg+xml` (and other XML) answers are inspected.
   */
  json_field: z.string().min(1).max(256).optional(),
  /** Largest SVG inspected; a larger one is refused (svg:too_large). */
  max_bytes: bytes().default(2_097_152),
  /** Most elements in one SVG (svg:too_large). */
  max_elements: count(10_000_000).default(50_000),
  /** Deepest element nesting (svg:too_large). */
  max_depth: count(10_000).default(64),
  /** Largest canvas, width x height in CSS px from the root's width/height (or viewBox), 96 px per inch (svg:canvas). */
  max_canvas_px: count(MAX_BYTES).default(25_000_000),
  /** Longest canvas side in CSS px (svg:canvas). */
  max_side_px: count(1_000_000).default(16_384),
  /** Largest `data:image/png|jpeg` URL of one `<image>`, in characters (svg:image). */
  max_image_bytes: bytes().default(1_048_576),
  /** Content-Security-Policy of every SVG answer (replaces the upstream's and security_headers'); '' sends none. */
  csp: z.string().max(4096).default(SVG_CSP),
  /** X-Content-Type-Options: nosniff on every SVG answer. */
  nosniff: z.boolean().default(true),
});

export const canariesSchema = z.strictObject({
  mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
  /**
   * Strings whose presence in any answer of the route refuses it (response:canary): a line of /etc/passwd,
   * a marker planted in the compile host's environment (`${VAR}` interpolation works). At least 6 characters.
   */
  strings: z.array(z.string().min(6).max(1024)).min(1).max(256),
});

export type SvgConfig = z.infer<typeof svgSchema>;
export type CanariesConfig = z.infer<typeof canariesSchema>;
