// Units to predicted compile seconds: seconds = base_s * (1 + units)^exponent, the power law
// scripts/cost-calibrate.mjs fits on the reference compile service (least squares on logs).

export interface SecondsModel {
  readonly base_s: number;
  readonly exponent: number;
}

export function predictSeconds(m: SecondsModel, units: number): number {
  const s = m.base_s * Math.pow(1 + units, m.exponent);
  // two decimals: a prediction, not a measurement
  return Math.round(Math.min(s, 1e9) * 100) / 100;
}
