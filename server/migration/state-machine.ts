import { type MigrationState, NEXT_STATES } from "@/lib/contracts/domains";
import { DomainError } from "@/server/errors";

export type Placement = { state: MigrationState; weight: number };

/** The weight a state implies, or the requested one for canary (1–100). */
export function weightFor(state: MigrationState, requested: number | undefined): number {
  switch (state) {
    case "legacy":
    case "shadow":
      if (requested !== undefined && requested !== 0) {
        throw new DomainError("BAD_REQUEST", `weight must be 0 (or omitted) in ${state}`);
      }
      return 0;
    case "migrated":
      if (requested !== undefined && requested !== 100) {
        throw new DomainError("BAD_REQUEST", "weight must be 100 (or omitted) when migrated");
      }
      return 100;
    case "canary":
      if (requested === undefined || requested < 1 || requested > 100) {
        throw new DomainError("BAD_REQUEST", "a canary needs a weight between 1 and 100 %");
      }
      return requested;
  }
}

/** The states reachable from `from` by a forward transition. */
export function nextStates(from: MigrationState): readonly MigrationState[] {
  return NEXT_STATES[from];
}

/** Checks a forward transition and returns where the domain ends up; throws if illegal. */
export function planTransition(
  from: Placement,
  to: MigrationState,
  requestedWeight: number | undefined,
): Placement {
  if (!NEXT_STATES[from.state].includes(to)) {
    const allowed = NEXT_STATES[from.state];
    const hint = allowed.length
      ? `from ${from.state} a domain can move to ${allowed.join(" or ")}, or roll back to legacy`
      : `from ${from.state} the only way is a rollback to legacy`;
    throw new DomainError("BAD_REQUEST", `illegal transition ${from.state} → ${to}: ${hint}`);
  }
  const weight = weightFor(to, requestedWeight);
  if (to === from.state && weight === from.weight) {
    throw new DomainError("BAD_REQUEST", `the domain is already in ${to} at ${weight} %`);
  }
  return { state: to, weight };
}
