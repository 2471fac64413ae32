import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { rememberUser } from "./known-users";

/** identity.UserRegistered → the `known_users` projection (idempotent: a known user stays). */
export const userRegisteredHandler = defineContractHandler(USER_REGISTERED_V1, (event, { tx }) =>
  rememberUser(tx, event.data),
);

/** What the `learning` consumer group reads and how it handles it. */
export const LEARNING_CONSUMER = {
  group: "learning",
  aggregateTypes: [USER_REGISTERED_V1.aggregateType],
  handlers: [userRegisteredHandler],
} as const;
