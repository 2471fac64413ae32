import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { rememberMember } from "./members";

/** identity.UserRegistered → a member who may propose and vote (idempotent: a member stays). */
export const userRegisteredHandler = defineContractHandler(USER_REGISTERED_V1, (event, { tx }) =>
  rememberMember(tx, event.data),
);

/** What the `governance` consumer group reads and how it handles it. */
export const GOVERNANCE_CONSUMER = {
  group: "governance",
  aggregateTypes: [USER_REGISTERED_V1.aggregateType],
  handlers: [userRegisteredHandler],
} as const;
