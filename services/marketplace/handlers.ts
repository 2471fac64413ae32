import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { SCORE_CHANGED_V1 } from "@/lib/contracts/reputation";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { rememberUser } from "./known-users";
import { recordScore } from "./reputation-scores";

/** identity.UserRegistered → a known user with its roles (idempotent: a known user stays). */
export const userRegisteredHandler = defineContractHandler(USER_REGISTERED_V1, (event, { tx }) =>
  rememberUser(tx, event.data),
);

/** reputation.ScoreChanged → the user's latest score (a late or repeated change is ignored). */
export const scoreChangedHandler = defineContractHandler(SCORE_CHANGED_V1, (event, { tx }) =>
  recordScore(tx, event.data),
);

/** What the `marketplace` consumer group reads and how it handles it. */
export const MARKETPLACE_CONSUMER = {
  group: "marketplace",
  aggregateTypes: [USER_REGISTERED_V1.aggregateType, SCORE_CHANGED_V1.aggregateType],
  handlers: [userRegisteredHandler, scoreChangedHandler],
} as const;
