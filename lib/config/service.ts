import { z } from "zod";
import { databaseUrlFor, parseEnv } from "./parse-env";

const PortSchema = z.coerce
  .number({ error: () => "must be a port number" })
  .int("must be a port number")
  .min(1, "must be between 1 and 65535")
  .max(65535, "must be between 1 and 65535");

/** Environment every HTTP service and worker reads (DESIGN.md: one zod-parsed config per process). */
export const ServiceEnvSchema = z
  .object({
    DATABASE_URL: z
      .string({ error: "is required (the PostgreSQL server URL)" })
      .refine((v) => /^postgres(ql)?:\/\//.test(v), "must start with postgres://"),
    REDIS_URL: z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), "must start with redis://")
      .default("redis://127.0.0.1:6379"),
    KEIKO_KEY_PREFIX: z
      .string()
      .regex(/^[a-z0-9:_-]*$/, "may use a-z, 0-9, ':', '_' and '-'")
      .default(""),
    HOST: z.string().default("127.0.0.1"),
    PORT: PortSchema.optional(),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    SERVICE_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    SERVICE_JWKS_URL: z.url().optional(),
  })
  .refine((env) => env.SERVICE_TOKEN_SECRET || env.SERVICE_JWKS_URL, {
    message: "set SERVICE_TOKEN_SECRET (HS256, shared) or SERVICE_JWKS_URL (EdDSA)",
    path: ["SERVICE_TOKEN_SECRET"],
  });

/** What a service's configuration adds to its variables: its port and its database's URL. */
type Derived = { port: number; databaseUrl: string };

export type ServiceEnv = z.infer<typeof ServiceEnvSchema> & Derived;

/**
 * Reads a service's configuration once at start. `database` is its own database on the server
 * named by DATABASE_URL (`<NAME>_DATABASE` overrides it, for tests); `port` its DESIGN.md default.
 */
export function loadServiceEnv(
  service: { database: string; port: number; name: string },
  env: Record<string, string | undefined> = process.env,
): ServiceEnv {
  return loadServiceEnvWith(service, ServiceEnvSchema, env);
}

/**
 * `loadServiceEnv` for a service that reads more variables: `schema` is ServiceEnvSchema
 * extended (`ServiceEnvSchema.safeExtend({...})`), parsed once so every bad value is in one line.
 */
export function loadServiceEnvWith<S extends z.ZodType<z.output<typeof ServiceEnvSchema>>>(
  service: { database: string; port: number; name: string },
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> & Derived {
  const parsed = parseEnv(schema, env);
  const override = env[`${service.name.toUpperCase().replace(/-/g, "_")}_DATABASE`];
  return {
    ...parsed,
    port: parsed.PORT ?? service.port,
    databaseUrl: databaseUrlFor(parsed.DATABASE_URL, override ?? service.database),
  };
}
