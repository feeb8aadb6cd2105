// The lanes of compile slots, and what the queue asks of a gate that hands out slots beyond its own count
// (shared.ts: leases in the Store); its own file so the queue and the gate do not import each other.

/** `slow`: a request the cost estimate sent to the slow lane (at most slow_capacity of them at once). */
export type Lane = 'normal' | 'slow';

/** What the queue asks of a gate: slots it may use beyond its own count (queue.ts). */
export interface SlotGate {
  available(lane: Lane): boolean;
  /** The queue has a request a slot of `lane` would admit. */
  want(lane: Lane): void;
  taken(lane: Lane): void;
  /** A slot of `lane` was freed locally (its lease may serve a waiter before trim()). */
  freed(lane: Lane): void;
  /** Gives back the leases no request uses. */
  trim(): void;
  close(): void;
}
