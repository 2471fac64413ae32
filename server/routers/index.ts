import { createCallerFactory, router } from "@/server/trpc";
import { auditRouter } from "./audit";
import { dataRouter } from "./data";
import { dlqRouter } from "./dlq";
import { eventsRouter } from "./events";
import { gatewayRouter } from "./gateway";
import { gitopsRouter } from "./gitops";
import { internalRouter } from "./internal";
import { liveRouter } from "./live";
import { metricsRouter } from "./metrics";
import { migrationRouter } from "./migration";
import { operatorsRouter } from "./operators";
import { rolloutRouter } from "./rollout";
import { timelineRouter } from "./timeline";
import { wallRouter } from "./wall";

export const appRouter = router({
  migration: migrationRouter,
  audit: auditRouter,
  operators: operatorsRouter,
  events: eventsRouter,
  dlq: dlqRouter,
  rollout: rolloutRouter,
  gateway: gatewayRouter,
  data: dataRouter,
  gitops: gitopsRouter,
  internal: internalRouter,
  metrics: metricsRouter,
  timeline: timelineRouter,
  live: liveRouter,
  wall: wallRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process with a given context: used by tests and server components. */
export const createCaller = createCallerFactory(appRouter);
