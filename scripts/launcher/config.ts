import path from "node:path";
import { z } from "zod";
import { parseEnv } from "@/lib/config/parse-env";
import { PasswordSchema, UsernameSchema } from "@/lib/contracts/operators";

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    schema.optional(),
  );

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no"], { error: () => "must be 1 or 0" })
  .transform((v) => v === "1" || v === "true" || v === "yes");

const PortSchema = z.coerce
  .number({ error: () => "must be a port number" })
  .int("must be a port number")
  .min(1, "must be between 1 and 65535")
  .max(65535, "must be between 1 and 65535");

export const LauncherEnvSchema = z.object({
  DATABASE_URL: optional(
    z.url({ message: "must be a postgres:// URL" }).refine((v) => /^postgres(ql)?:\/\//.test(v), {
      message: "must start with postgres://",
    }),
  ),
  REDIS_URL: optional(
    z.url({ message: "must be a redis:// URL" }).refine((v) => /^rediss?:\/\//.test(v), {
      message: "must start with redis://",
    }),
  ),
  PORT: optional(PortSchema).default(3000),
  /** The console's (and the services') listening address: loopback unless told otherwise. */
  HOST: optional(z.string().min(1, "must be an address such as 127.0.0.1 or 0.0.0.0")).default(
    "127.0.0.1",
  ),
  NEXTAUTH_URL: optional(z.url({ message: "must be a URL such as http://localhost:3000" })),
  NEXTAUTH_SECRET: optional(z.string().min(32, "must be at least 32 characters")),
  SERVICE_TOKEN_SECRET: optional(z.string().min(32, "must be at least 32 characters")),
  KEIKO_ADMIN_USERNAME: optional(UsernameSchema).default("admin"),
  KEIKO_ADMIN_PASSWORD: optional(PasswordSchema),
  KEIKO_EMBEDDED: optional(flag).default(false),
  KEIKO_DATA_DIR: optional(z.string()).default(".data"),
  PATH: optional(z.string()).default(""),
  /** The local Prometheus's port (prometheus.ts); unused when PROMETHEUS_URL is set. */
  PROMETHEUS_PORT: optional(PortSchema).default(9090),
  /** Another Prometheus for the console's charts: the launcher then starts none of its own. */
  PROMETHEUS_URL: optional(
    z
      .url({ message: "must be an http:// URL such as http://127.0.0.1:9090" })
      .refine((v) => /^https?:\/\//.test(v), { message: "must start with http:// or https://" }),
  ),
});

/** What the Prometheus wiring of the stack reads from the environment it is given. */
export const PrometheusEnvSchema = LauncherEnvSchema.pick({
  PROMETHEUS_PORT: true,
  PROMETHEUS_URL: true,
  KEIKO_DATA_DIR: true,
  PATH: true,
});

/** Everything the launcher needs, resolved once at start. */
export type LauncherConfig = {
  root: string;
  dataDir: string;
  port: number;
  /** Where the console listens (HOST). */
  host: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  nextauthUrl: string;
  nextauthSecret: string | undefined;
  /** HS256 secret the services share for service-to-service tokens. */
  serviceTokenSecret: string | undefined;
  adminUsername: string;
  adminPassword: string | undefined;
  forceEmbedded: boolean;
  searchPath: string;
  /** The environment children inherit before the launcher adds its own variables. */
  baseEnv: Record<string, string>;
};

/** Parses the launcher's environment; throws a ConfigError whose message is one line. */
export function loadLauncherConfig(
  env: Record<string, string | undefined> = process.env,
  root: string = process.cwd(),
): LauncherConfig {
  const parsed = parseEnv(LauncherEnvSchema, env);
  const baseEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) baseEnv[key] = value;
  return {
    root,
    dataDir: path.resolve(root, parsed.KEIKO_DATA_DIR),
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    nextauthUrl: parsed.NEXTAUTH_URL ?? `http://localhost:${parsed.PORT}`,
    nextauthSecret: parsed.NEXTAUTH_SECRET,
    serviceTokenSecret: parsed.SERVICE_TOKEN_SECRET,
    adminUsername: parsed.KEIKO_ADMIN_USERNAME,
    adminPassword: parsed.KEIKO_ADMIN_PASSWORD,
    forceEmbedded: parsed.KEIKO_EMBEDDED,
    searchPath: parsed.PATH,
    baseEnv,
  };
}
