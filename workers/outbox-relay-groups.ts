/**
 * Every consumer group of the platform and the streams it reads, taken from the consumers' own
 * definitions: the relay recreates them after Redis loses its data, waits for all of them before
 * an outbox row counts as delivered, and never trims past one, even before its consumer starts.
 */
import type { ConsumerGroupDeclaration } from "@/lib/events/redis-generation";
import { GOVERNANCE_CONSUMER } from "@/services/governance/handlers";
import { LEARNING_CONSUMER } from "@/services/learning/handlers";
import { LEGACY_EFFECTS_CONSUMER } from "@/services/legacy-runtime/effects";
import { MARKETPLACE_CONSUMER } from "@/services/marketplace/handlers";
import { PASSPORT_CONSUMER } from "@/services/passport/handlers";
import { REPUTATION_CONSUMER } from "@/services/reputation/handlers";

export const PLATFORM_CONSUMER_GROUPS: readonly ConsumerGroupDeclaration[] = [
  LEARNING_CONSUMER,
  REPUTATION_CONSUMER,
  PASSPORT_CONSUMER,
  GOVERNANCE_CONSUMER,
  MARKETPLACE_CONSUMER,
  LEGACY_EFFECTS_CONSUMER,
].map(({ group, aggregateTypes }) => ({ group, aggregateTypes }));
