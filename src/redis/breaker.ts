import { CircuitOpenError } from "../errors.js";

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** Shown in errors and health reports. */
  name?: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  cooldownMs: number;
  /**
   * Whether an error means the dependency is unhealthy. Errors that are the caller's fault
   * (a wrong command, WRONGTYPE) should not open the circuit. Default: every error counts.
   */
  isFailure?: (error: unknown) => boolean;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** A point-in-time view of a breaker, for health checks and tests. */
export interface CircuitBreakerSnapshot {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  totalFailures: number;
  totalSuccesses: number;
  /** Calls refused without being attempted because the circuit was open. */
  rejected: number;
  /** How many times the circuit has opened. */
  opened: number;
  lastFailure: string | null;
  /** When an open circuit will admit a trial call (ISO time), else null. */
  retryAt: string | null;
}

/**
 * Stops hammering a dependency that keeps failing: after `failureThreshold` consecutive failures
 * the circuit opens and calls fail fast with {@link CircuitOpenError}; after `cooldownMs` one
 * trial call is let through (half-open); its success closes the circuit, its failure reopens it.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ name: "redis", failureThreshold: 5, cooldownMs: 10_000 });
 * const value = await breaker.execute(() => redis.get(key));
 * ```
 */
export class CircuitBreaker {
  private readonly name: string;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly now: () => number;

  private currentState: CircuitState = "closed";
  private openedAt = 0;
  private trialInFlight = false;
  private consecutiveFailures = 0;
  private totalFailures = 0;
  private totalSuccesses = 0;
  private rejected = 0;
  private opened = 0;
  private lastFailure: string | null = null;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new RangeError("failureThreshold must be a whole number of at least 1");
    }
    if (!(options.cooldownMs >= 0)) {
      throw new RangeError("cooldownMs must be zero or more");
    }
    this.name = options.name ?? "redis";
    this.failureThreshold = options.failureThreshold;
    this.cooldownMs = options.cooldownMs;
    this.isFailure = options.isFailure ?? (() => true);
    this.now = options.now ?? Date.now;
  }

  /** The state as of now: an open circuit whose cool-down has passed reads as half-open. */
  get state(): CircuitState {
    if (this.currentState === "open" && this.now() - this.openedAt >= this.cooldownMs) {
      return "half_open";
    }
    return this.currentState;
  }

  /** Runs `operation` through the breaker, or rejects at once with CircuitOpenError. */
  async execute<T>(operation: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === "open" || (state === "half_open" && this.trialInFlight)) {
      this.rejected++;
      throw new CircuitOpenError(this.name, new Date(this.openedAt + this.cooldownMs));
    }
    const isTrial = state === "half_open";
    if (isTrial) {
      this.currentState = "half_open";
      this.trialInFlight = true;
    }
    try {
      const result = await operation();
      this.recordSuccess();
      return result;
    } catch (error) {
      if (this.isFailure(error)) {
        this.recordFailure(error);
      } else {
        this.recordSuccess();
      }
      throw error;
    } finally {
      if (isTrial) this.trialInFlight = false;
    }
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state;
    return {
      name: this.name,
      state,
      consecutiveFailures: this.consecutiveFailures,
      totalFailures: this.totalFailures,
      totalSuccesses: this.totalSuccesses,
      rejected: this.rejected,
      opened: this.opened,
      lastFailure: this.lastFailure,
      retryAt: state === "open" ? new Date(this.openedAt + this.cooldownMs).toISOString() : null,
    };
  }

  private recordSuccess(): void {
    this.totalSuccesses++;
    this.consecutiveFailures = 0;
    this.currentState = "closed";
  }

  private recordFailure(error: unknown): void {
    this.totalFailures++;
    this.consecutiveFailures++;
    this.lastFailure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const wasTrial = this.currentState === "half_open";
    if (wasTrial || this.consecutiveFailures >= this.failureThreshold) {
      if (this.currentState !== "open" || wasTrial) this.opened++;
      this.currentState = "open";
      this.openedAt = this.now();
    }
  }
}
