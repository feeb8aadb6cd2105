// Response checks of each route (routes[].canaries, routes[].svg): canaries first, so an answer leaking a planted
// string is refused before the SVG check could strip and pass it.
import type { ResponseCheck } from '../core/check.js';
import type { GatewayConfig } from '../config/schema.js';
import { buildCanaryCheck, squeeze } from '../response/canary.js';
import { buildSvgCheck } from '../response/svg-check.js';

export function buildResponseChecks(config: GatewayConfig): readonly ResponseCheck[] | null {
  const out: ResponseCheck[] = [];
  for (const r of config.routes) {
    const canaries = r.canaries !== undefined && r.canaries.mode !== 'off' ? r.canaries : null;
    if (canaries !== null) out.push(buildCanaryCheck(r.name, canaries));
    if (r.svg !== undefined && r.svg.mode !== 'off') {
      // Canaries enforced on the route are looked for in the SVG's text too (entities decoded, whitespace gone).
      const text = canaries !== null && canaries.mode === 'enforce' ? canaries.strings.map(squeeze) : [];
      out.push(buildSvgCheck({ route: r.name, config: r.svg, canaries: text }));
    }
  }
  return out.length === 0 ? null : out;
}
