import { z } from "zod";
import { ConfigError, databaseUrlFor, parseEnv } from "@/lib/config/parse-env";
import { type ServiceEnv, ServiceEnvSchema } from "@/lib/config/service";

/** The gateway's identity (DESIGN.md: port 8080; it reads the routes from keiko_control). */
export const API_GATEWAY_SERVICE = {
  name: "api-gateway",
  port: 8080,
} as const;

const integer = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: () => `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);

/** What the gateway reads beyond every service's environment (lib/config/service.ts). */
export const GatewayEnvSchema = z.object({
  /** The control plane's database, on the server of DATABASE_URL: the routing table. */
  CONTROL_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, "may use a-z, 0-9 and _")
    .default("keiko_control"),
  /** Per-upstream deadline for connecting, for the answer's headers, and between body chunks. */
  GATEWAY_LEGACY_TIMEOUT_MS: integer(10_000, 10, 600_000),
  GATEWAY_SERVICE_TIMEOUT_MS: integer(10_000, 10, 600_000),
  /** Largest request body the gateway accepts (413 above). */
  GATEWAY_BODY_LIMIT_BYTES: integer(1024 * 1024, 1, 100 * 1024 * 1024),
  /** Largest answer body the gateway takes from an upstream (502 above). */
  GATEWAY_RESPONSE_LIMIT_BYTES: integer(16 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  /** Keep-alive connections per upstream origin. */
  GATEWAY_UPSTREAM_CONNECTIONS: integer(128, 1, 4096),
  /** Mirrored shadow requests in flight at once; a copy beyond it is dropped, never queued. */
  GATEWAY_SHADOW_CONCURRENCY: integer(32, 0, 10_000),
  /** Largest answer body (either side) compared for parity; a larger pair is not compared. */
  GATEWAY_SHADOW_MAX_BODY_BYTES: integer(256 * 1024, 1, 16 * 1024 * 1024),
  /** Full reload of the routing table, in case a notification was missed. */
  GATEWAY_ROUTES_RELOAD_MS: integer(5_000, 100, 3_600_000),
  /**
   * `consecutive`: a breaker opens after BREAKER_CONSECUTIVE_FAILURES failures in a row; `rate`:
   * when more than BREAKER_ERROR_PERCENT % of the calls of the last BREAKER_WINDOW_MS failed,
   * at a volume of at least BREAKER_MIN_RPS calls per second.
   */
  GATEWAY_BREAKER_MODE: z.enum(["consecutive", "rate"]).default("consecutive"),
  GATEWAY_BREAKER_CONSECUTIVE_FAILURES: integer(5, 1, 10_000),
  GATEWAY_BREAKER_ERROR_PERCENT: integer(50, 1, 100),
  GATEWAY_BREAKER_WINDOW_MS: integer(10_000, 100, 600_000),
  GATEWAY_BREAKER_MIN_RPS: integer(5, 1, 1_000_000),
  /** An open breaker lets one probe through (half-open) after this long. */
  GATEWAY_BREAKER_HALF_OPEN_AFTER_MS: integer(5_000, 10, 600_000),
  /**
   * Statistics and breaker states are published to Redis this often. slo-guard sees a breach at
   * the first snapshot that proves it: half a second keeps its breach-to-rollback median under 1 s.
   */
  GATEWAY_STATS_PUBLISH_MS: integer(500, 100, 60_000),
  /**
   * Gateway processes on the one port (node:cluster, ./cluster.ts); 1 serves in the process
   * itself. Each worker is a whole gateway: its own breakers, statistics (published under its
   * own id, summed by every reader), route watcher and override subscription.
   */
  GATEWAY_WORKERS: integer(1, 1, 64),
});

export type GatewayConfig = ServiceEnv &
  z.infer<typeof GatewayEnvSchema> & {
    /** The gateway signs the service tokens of proxied calls with this shared secret. */
    SERVICE_TOKEN_SECRET: string;
  };

/**
 * Reads the gateway's configuration once at start; a bad value throws one line naming the
 * variable. `databaseUrl` is the control database's URL.
 */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const base = parseEnv(ServiceEnvSchema, env);
  const own = parseEnv(GatewayEnvSchema, env);
  if (!base.SERVICE_TOKEN_SECRET) {
    throw new ConfigError(
      "invalid configuration: SERVICE_TOKEN_SECRET: is required (the gateway signs service tokens)",
    );
  }
  return {
    ...base,
    ...own,
    SERVICE_TOKEN_SECRET: base.SERVICE_TOKEN_SECRET,
    port: base.PORT ?? API_GATEWAY_SERVICE.port,
    databaseUrl: databaseUrlFor(base.DATABASE_URL, own.CONTROL_DATABASE),
  };
}
