/**
 * What each Keiko process reads from its environment at start, as a table the rendered
 * Deployments are checked against (deploy/process-env.test.ts). `load` runs the process's own
 * config parsing (the same functions its entry point calls), so the table cannot drift from the
 * zod schemas unnoticed: the test proves each `required` entry is rejected when missing and that
 * nothing else is.
 */

import { ConsoleEnvSchema } from "@/lib/config/console";
import { loadConsumerEnv } from "@/lib/config/consumer";
import { parseEnv } from "@/lib/config/parse-env";
import { loadServiceEnv } from "@/lib/config/service";
import { TelemetryEnvSchema } from "@/lib/config/telemetry";
import { loadDataSyncConfig } from "@/lib/data-sync/data-sync-config";
import { loadOutboxRelayConfig } from "@/lib/events/relay-config";
import { loadLifecycleSettings } from "@/lib/process/lifecycle-settings";
import { loadUpstreams } from "@/server/migration/domain-catalog";
import { loadGatewayConfig } from "@/services/api-gateway/config";
import { GOVERNANCE_SERVICE } from "@/services/governance/config";
import { IDENTITY_SERVICE } from "@/services/identity/config";
import { LEARNING_SERVICE } from "@/services/learning/config";
import { loadLegacyRuntimeConfig } from "@/services/legacy-runtime/config";
import { MARKETPLACE_SERVICE } from "@/services/marketplace/config";
import { PASSPORT_SERVICE } from "@/services/passport/config";
import { REPUTATION_SERVICE } from "@/services/reputation/config";
import { loadSloGuardConfig } from "@/workers/slo-guard/config";
import { loadTimelineWatchSettings } from "@/workers/slo-guard/timeline-watch-config";
import type { KeikoProcess } from "./needed-flows";

type Env = Record<string, string | undefined>;

/** One variable, or a list of which at least one must be set (e.g. DATABASE_URL or DATABASE_URLS). */
export type Requirement = string | readonly string[];

export type ProcessEnvSpec = {
  /** Parses the environment the way the process does at start; throws ConfigError on a bad one. */
  load: (env: Env) => unknown;
  /** Variables the process refuses to start without (checked against `load`). */
  required: readonly Requirement[];
  /** Variables with a default that is wrong in a pod (127.0.0.1, an ephemeral port…). */
  inCluster: readonly string[];
};

/** What every process parses besides its own schema: the lifecycle and the tracing preload. */
function common(env: Env): void {
  loadLifecycleSettings(env);
  parseEnv(TelemetryEnvSchema, env);
}

const SHARED_IN_CLUSTER = ["HOST", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"];
const WITH_REDIS = [...SHARED_IN_CLUSTER, "REDIS_URL"];

const service = (definition: { name: string; database: string; port: number }) =>
  ({
    load: (env: Env) => {
      common(env);
      loadServiceEnv(definition, env);
    },
    required: ["DATABASE_URL", ["SERVICE_TOKEN_SECRET", "SERVICE_JWKS_URL"]],
    inCluster: [...WITH_REDIS, "PORT"],
  }) satisfies ProcessEnvSpec;

const consumer = (definition: { name: string; database: string; port: number }) =>
  ({
    load: (env: Env) => {
      common(env);
      loadServiceEnv(definition, env);
      loadConsumerEnv(env);
    },
    required: ["DATABASE_URL", ["SERVICE_TOKEN_SECRET", "SERVICE_JWKS_URL"]],
    inCluster: [...WITH_REDIS, "ADMIN_PORT"],
  }) satisfies ProcessEnvSpec;

const legacyLoad = (env: Env) => {
  common(env);
  loadLegacyRuntimeConfig(env);
};

export const PROCESS_ENV: Record<KeikoProcess, ProcessEnvSpec> = {
  console: {
    // scripts/console-server.ts: its flags carry the port and address; the rest is consoleEnv()
    load: (env) => {
      common(env);
      parseEnv(ConsoleEnvSchema, env);
      loadUpstreams(env);
    },
    required: ["DATABASE_URL", "NEXTAUTH_SECRET"],
    // slo-guard's calls need SERVICE_TOKEN_SECRET; the upstreams are written to new domain rows
    inCluster: [
      ...WITH_REDIS,
      "SERVICE_TOKEN_SECRET",
      "PROMETHEUS_URL",
      "LEGACY_URL",
      "SERVICE_URLS",
    ],
  },
  "api-gateway": {
    load: (env) => {
      common(env);
      loadGatewayConfig(env);
    },
    required: ["DATABASE_URL", "SERVICE_TOKEN_SECRET"],
    inCluster: [...WITH_REDIS, "PORT"],
  },
  "legacy-runtime": {
    load: legacyLoad,
    required: ["DATABASE_URL", ["SERVICE_TOKEN_SECRET", "SERVICE_JWKS_URL"]],
    // unset, the runtime applies every effect, even those of domains already migrated (ADR 0011)
    inCluster: [...WITH_REDIS, "PORT", "CONTROL_DATABASE_URL"],
  },
  identity: service(IDENTITY_SERVICE),
  learning: service(LEARNING_SERVICE),
  reputation: service(REPUTATION_SERVICE),
  passport: service(PASSPORT_SERVICE),
  governance: service(GOVERNANCE_SERVICE),
  marketplace: service(MARKETPLACE_SERVICE),
  "outbox-relay": {
    load: (env) => {
      common(env);
      loadOutboxRelayConfig(env);
    },
    required: [["DATABASE_URL", "DATABASE_URLS"]],
    // its default leaves out keiko_legacy, whose outbox the legacy runtime writes
    inCluster: [...WITH_REDIS, "ADMIN_PORT", "OUTBOX_DATABASES"],
  },
  "data-sync": {
    load: (env) => {
      common(env);
      loadDataSyncConfig(env);
    },
    required: [["DATABASE_URL", "DATABASE_URLS"]],
    inCluster: [...SHARED_IN_CLUSTER, "ADMIN_PORT"],
  },
  "slo-guard": {
    load: (env) => {
      common(env);
      loadSloGuardConfig(env);
      loadTimelineWatchSettings(env);
    },
    required: ["SERVICE_TOKEN_SECRET"],
    inCluster: [...WITH_REDIS, "ADMIN_PORT", "CONTROL_PLANE_URL"],
  },
  "legacy-runtime-consumer": {
    load: (env) => {
      legacyLoad(env);
      loadConsumerEnv(env);
    },
    required: ["DATABASE_URL", ["SERVICE_TOKEN_SECRET", "SERVICE_JWKS_URL"]],
    inCluster: [...WITH_REDIS, "ADMIN_PORT", "CONTROL_DATABASE_URL"],
  },
  "learning-consumer": consumer(LEARNING_SERVICE),
  "reputation-consumer": consumer(REPUTATION_SERVICE),
  "passport-consumer": consumer(PASSPORT_SERVICE),
  "governance-consumer": consumer(GOVERNANCE_SERVICE),
  "marketplace-consumer": consumer(MARKETPLACE_SERVICE),
};

/**
 * Valid stand-ins for what Secrets hold (the Secrets are not in git): the check proves the
 * variables are referenced and that the ConfigMaps' values parse beside them.
 */
export const SECRET_SAMPLES: Record<string, string> = {
  DATABASE_URL: "postgres://keiko:secret@postgres.example:5432/keiko",
  // empty: the databases stay on DATABASE_URL's server
  DATABASE_URLS: "",
  CONTROL_DATABASE_URL: "postgres://keiko:secret@postgres.example:5432/keiko_control",
  SERVICE_TOKEN_SECRET: "s".repeat(48),
  NEXTAUTH_SECRET: "n".repeat(48),
  // all three empty: OIDC off (the console accepts all three or none)
  OIDC_ISSUER: "",
  OIDC_CLIENT_ID: "",
  OIDC_CLIENT_SECRET: "",
};
