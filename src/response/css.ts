// CSS of an SVG (`<style>` text, `style` attributes) judged strictly: what dvisvgm writes (font rules, WOFF fonts as
// data: URLs) passes; escapes, comments, at-rules other than @font-face and any URL that is not `#id` or an embedded
// font/image are findings. The CSS is never rewritten: a finding removes the whole style in strip mode.

/** Embedded fonts and images dvisvgm (or a careful author) puts in CSS. */
const DATA_URL =
  /^data:(?:application\/x-font-(?:woff2?|ttf|otf)|font\/(?:woff2?|ttf|otf|sfnt)|image\/(?:png|jpeg));base64,[A-Za-z0-9+/]*={0,2}$/i;
const FRAGMENT_URL = /^#[A-Za-z_][A-Za-z0-9_.:-]{0,255}$/;
const URL_ARG = /url\(\s*(['"]?)([^'")\s]*)\1\s*\)/y;

/** The reason CSS text is not allowed ('svg:css', 'svg:script', 'svg:external_ref'), or '' when it is fine. */
export function cssFinding(css: string): string {
  // Escapes (`\75 rl(`), comments (`ur/**/l`) and `<` (`</style>` in an HTML parse) make one text two CSS: refused.
  if (css.includes('\\') || css.includes('/*') || css.includes('<')) return 'svg:css';
  const lower = css.toLowerCase();
  if (lower.includes('javascript:') || lower.includes('vbscript:')) return 'svg:script';
  if (lower.includes('expression(') || lower.includes('behavior') || lower.includes('-moz-binding'))
    return 'svg:script';
  let at = lower.indexOf('@');
  while (at !== -1) {
    if (!lower.startsWith('@font-face', at)) return lower.startsWith('@import', at) ? 'svg:external_ref' : 'svg:css';
    at = lower.indexOf('@', at + 1);
  }
  if (lower.includes('image-set(') || lower.includes('image(') || lower.includes('src(')) return 'svg:external_ref';
  let u = lower.indexOf('url(');
  while (u !== -1) {
    URL_ARG.lastIndex = u;
    const m = URL_ARG.exec(css);
    if (m === null) return 'svg:css';
    const target = m[2]!;
    if (!FRAGMENT_URL.test(target) && !DATA_URL.test(target)) return 'svg:external_ref';
    u = lower.indexOf('url(', u + 4);
  }
  return '';
}

/** An attribute value that may name paint or a clip: `url(#id)` (with an optional fallback) or no url at all. */
export function urlAttributeFinding(value: string): string {
  const lower = value.toLowerCase();
  let u = lower.indexOf('url(');
  while (u !== -1) {
    URL_ARG.lastIndex = u;
    const m = URL_ARG.exec(value);
    if (m === null || !FRAGMENT_URL.test(m[2]!)) return 'svg:external_ref';
    u = lower.indexOf('url(', u + 4);
  }
  return '';
}
