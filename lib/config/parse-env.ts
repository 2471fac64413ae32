import type { z } from "zod";

/** Thrown when the environment does not satisfy a process's config schema. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses an environment against a zod object schema once. On failure the error message is one
 * line that names every offending variable, so a process can print it and stop.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "environment";
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** Replaces the database part of a PostgreSQL URL, keeping host, port, user and options. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
