// What the budget and admission checks concluded about a request: on its context for the event and metrics.
// In core/ because the request context carries them and telemetry reads them.

/** One compile budget as it stood when the request was checked. */
export interface BudgetStandingView {
  /** Policy name: `compile-hour` or `compile-day`. */
  readonly name: string;
  /** Compile seconds left (0 when spent). */
  readonly remainingS: number;
  /** Whether it let the request compile. */
  readonly allow: boolean;
}

export interface BudgetView {
  readonly tier: string;
  readonly budgets: readonly BudgetStandingView[];
}

/** How a request's wait for a compile slot ended. */
export type AdmissionResult = 'admitted' | 'shed' | 'timeout' | 'gone' | 'unavailable';

export interface AdmissionView {
  readonly tier: string;
  readonly lane: 'normal' | 'slow';
  readonly result: AdmissionResult;
  /** Milliseconds between asking for a slot and the result (0: a slot was free). */
  readonly waitMs: number;
}
