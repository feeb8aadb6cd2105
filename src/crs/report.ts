// What `portcullis check` says of a CRS directory: rules loaded by paranoia level, and every rule the engine
// cannot run with its id and why (never skipped silently), plus the directives it read and ignored.
import type { GatewayConfig } from '../config/schema.js';
import { webRulesRun } from '../signatures/build.js';
import { loadCrs } from './load.js';
import type { Program } from './rule.js';

export function describeProgram(p: Program, dir: string, paranoia: number): string[] {
  const rules = p.phases.flat().filter((r) => r.marker === null);
  const levels = [...p.byParanoia.entries()]
    .sort(([a], [b]) => a - b)
    .map(([pl, n]) => (pl === 0 ? `${n} without a level (setup, scoring)` : `PL${pl} ${n}`));
  const lines = [
    `crs: ${dir}${p.signature === '' ? '' : ` (${p.signature})`}: ${rules.length} request rules loaded, paranoia level ${paranoia} in force`,
    `crs: by paranoia level: ${levels.join(', ')}`,
    `crs: ${p.responseRules} response rules (phases 3-5) not run: this gateway runs CRS on requests`,
  ];
  if (p.ignored.size > 0) {
    lines.push(`crs: ignored directives: ${[...p.ignored].map(([d, n]) => `${d} x${n}`).join(', ')}`);
  }
  lines.push(`crs: ${p.unsupported.length} rules cannot run here:`);
  for (const u of p.unsupported) lines.push(`crs:   ${u.id} (${u.where}): ${u.why}`);
  return lines;
}

/** The report for a configuration, or [] when CRS is off there. Throws ConfigError as the build does. */
export function crsReport(config: GatewayConfig): string[] {
  const c = config.checks.crs;
  if (c.mode === 'off' || c.dir === undefined) return [];
  const { program } = loadCrs({
    dir: c.dir,
    paranoia_level: c.paranoia_level,
    detection_paranoia_level: c.detection_paranoia_level,
    anomaly_threshold: c.anomaly_threshold,
  });
  const web = config.checks.signatures.web_rules;
  const runs = webRulesRun(config.checks.signatures, c.mode);
  const why = web !== 'auto' ? '' : runs ? ': CRS is in monitor mode' : ': CRS enforces on their targets';
  const lines = describeProgram(program, c.dir, c.paranoia_level);
  if (config.checks.signatures.mode !== 'off') {
    const what = runs ? 'run beside CRS' : 'are left out';
    lines.push(`crs: the web rules of checks.signatures (tagged web) ${what} (web_rules: ${web}${why})`);
  }
  return lines;
}
