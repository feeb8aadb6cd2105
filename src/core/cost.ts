// The compile-cost estimate of a request's code fields: set by the cost check, read by admission, budgets and the event.
// In core/ because the request context carries it and several modules (checks, http) read it.

/** One factor of the estimate: which construct multiplied the work, and by how much. */
export interface CostTerm {
  /** Stable construct name (`foreach`, `plot-samples`, `grid`, `decoration`, `lsystem`, `recursion`, ...). */
  readonly construct: string;
  /** The factor this construct multiplies the work by (a nested loop's range, a plot's samples, ...). */
  readonly factor: number;
  /** The code field it was found in (its configured name). */
  readonly field: string;
}

export interface CostEstimate {
  /** Estimated work in abstract units (sums of products of what multiplies), over every code field. */
  readonly units: number;
  /** Predicted compile seconds from the calibrated model, for admission and budgets. */
  readonly seconds: number;
  /** The largest terms, largest first (bounded: never the code itself). */
  readonly breakdown: readonly CostTerm[];
  /** 'slow' when over the tier's maximum on a route that sends such requests to the slow lane. */
  readonly lane: 'normal' | 'slow';
}
