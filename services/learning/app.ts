import type { FastifyInstance } from "fastify";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import { createMetricsRegistry, metricsRegistryOf } from "@/lib/observability/metrics";
import {
  createInteraction,
  getInteraction,
  type LearningDb,
  listInteractions,
} from "./interactions";
import { learningMetrics, measuredCreate } from "./learning-metrics";
import { getStudentSummary } from "./student-summary";

export type LearningAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: LearningDb;
  validateResponses?: boolean;
};

/** The learning service's Fastify app (not listening): interactions and student summaries. */
export async function buildLearningApp(options: LearningAppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const app = await buildServiceApp({ ...options, name: "learning" });
  const metrics = learningMetrics(metricsRegistryOf(app) ?? createMetricsRegistry("learning"));
  registerRouteTable(
    app,
    LEARNING_ROUTES,
    {
      createInteraction: ({ body }, request) =>
        measuredCreate(metrics, () =>
          createInteraction(db, body, eventMetadataFrom(request, "learning")),
        ),
      getInteraction: ({ params }) => getInteraction(db, params.interactionId),
      listInteractions: ({ query }) => listInteractions(db, query),
      getStudentSummary: ({ params }) => getStudentSummary(db, params.studentId),
    },
    { validateResponses: options.validateResponses },
  );
  return app;
}
