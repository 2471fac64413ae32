import { createCallerFactory, router } from "@/server/trpc";
import { auditRouter } from "./audit";
import { migrationRouter } from "./migration";
import { operatorsRouter } from "./operators";

export const appRouter = router({
  migration: migrationRouter,
  audit: auditRouter,
  operators: operatorsRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process with a given context: used by tests and server components. */
export const createCaller = createCallerFactory(appRouter);
