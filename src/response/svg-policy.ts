// The SVG allow-list: the elements and attributes dvisvgm emits (SVG fonts, --no-fonts glyph paths, WOFF fonts,
// TikZ paths, clips, patterns, shadings) and a few inert neighbours; everything else is a finding.

export const SVG_NS = 'http://www.w3.org/2000/svg';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Elements (local names in the SVG namespace) kept as they are. */
export const ELEMENTS: ReadonlySet<string> = new Set([
  'svg',
  'g',
  'defs',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'use',
  'symbol',
  'clipPath',
  'mask',
  'pattern',
  'linearGradient',
  'radialGradient',
  'stop',
  'marker',
  'text',
  'tspan',
  'font',
  'font-face',
  'glyph',
  'missing-glyph',
  'style',
  'title',
  'desc',
  'image',
]);

/**
 * Elements refused by name, with their own reason (the rest of the unknown ones are svg:element). `a` is here:
 * hyperref links become `<a href>`, a navigation an image has no business making.
 */
export const NAMED: ReadonlyMap<string, string> = new Map([
  ['script', 'svg:script'],
  ['foreignObject', 'svg:foreign_object'],
  ['set', 'svg:animation'],
  ['animate', 'svg:animation'],
  ['animateMotion', 'svg:animation'],
  ['animateTransform', 'svg:animation'],
  ['animateColor', 'svg:animation'],
  ['discard', 'svg:animation'],
  ['a', 'svg:link'],
  ['iframe', 'svg:foreign_object'],
  ['handler', 'svg:script'],
  ['listener', 'svg:script'],
]);

/** Attributes without a namespace allowed on any allowed element (values still checked: url(), javascript:). */
export const ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'class',
  'style',
  'version',
  'baseProfile',
  'width',
  'height',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'fx',
  'fy',
  'fr',
  'd',
  'points',
  'pathLength',
  'transform',
  'viewBox',
  'preserveAspectRatio',
  'fill',
  'fill-opacity',
  'fill-rule',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'opacity',
  'color',
  'visibility',
  'display',
  'overflow',
  'clip-path',
  'clip-rule',
  'clipPathUnits',
  'mask',
  'maskUnits',
  'maskContentUnits',
  'patternUnits',
  'patternContentUnits',
  'patternTransform',
  'gradientUnits',
  'gradientTransform',
  'spreadMethod',
  'offset',
  'stop-color',
  'stop-opacity',
  'marker-start',
  'marker-mid',
  'marker-end',
  'markerWidth',
  'markerHeight',
  'markerUnits',
  'refX',
  'refY',
  'orient',
  'vector-effect',
  'shape-rendering',
  'text-rendering',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-variant',
  'text-anchor',
  'text-decoration',
  'dominant-baseline',
  'alignment-baseline',
  'baseline-shift',
  'letter-spacing',
  'word-spacing',
  'writing-mode',
  'dx',
  'dy',
  'rotate',
  'textLength',
  'lengthAdjust',
  // SVG fonts (dvisvgm's default font format)
  'horiz-adv-x',
  'horiz-origin-x',
  'vert-adv-y',
  'vert-origin-x',
  'vert-origin-y',
  'units-per-em',
  'ascent',
  'descent',
  'unicode',
  'glyph-name',
  'arabic-form',
  'x-height',
  'cap-height',
  'underline-position',
  'underline-thickness',
  // <style type='text/css'>
  'type',
  'media',
  // href without a namespace (SVG 2): checked like xlink:href
  'href',
]);

/** Attributes whose value is a URL reference: only a fragment of this document (`#id`) is allowed. */
export const HREF = 'href';

/** Attribute values that may hold `url(...)`: checked to be `url(#id)`. Any other attribute with `url(` is a finding. */
export const URL_ATTRIBUTES: ReadonlySet<string> = new Set([
  'fill',
  'stroke',
  'clip-path',
  'mask',
  'marker-start',
  'marker-mid',
  'marker-end',
  'style',
]);

/** A same-document reference, as dvisvgm writes them (`#g0-72`, `#clip1`, `#pat0-0`). ASCII only. */
export const FRAGMENT = /^#[A-Za-z_][A-Za-z0-9_.:-]{0,255}$/;

/** `<image>` payloads: a base64 PNG or JPEG, nothing else (no SVG-in-SVG, no external files). */
export const IMAGE_DATA = /^data:image\/(?:png|jpeg);base64,[A-Za-z0-9+/]*={0,2}$/;

/** Reasons that cannot be stripped: the document as a whole is refused even when the action is strip. */
export const WHOLE_DOCUMENT: ReadonlySet<string> = new Set([
  'svg:malformed',
  'svg:doctype',
  'svg:encoding',
  'svg:too_large',
  'svg:canvas',
  'svg:root',
  'svg:use_nesting',
  'svg:content_encoding',
  'response:canary',
]);
