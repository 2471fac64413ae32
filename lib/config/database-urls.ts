import { z } from "zod";
import { ConfigError, databaseUrlFor } from "@/lib/config/parse-env";

const DATABASE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Why `value` is not a usable PostgreSQL URL, or undefined; never repeats the value (passwords). */
function postgresUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL (percent-encode ',' and '@' in passwords)";
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    return "must start with postgres://";
  }
  if (!url.hostname) return "must name a host";
  if (url.pathname.length <= 1) return "must end with /<database>";
  return undefined;
}

/** The URL with its password replaced by `***`, for logs and messages. */
export function withoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(not a URL)";
  }
}

/**
 * `DATABASE_URLS`: one full PostgreSQL URL per database, as `<database>=<url>` pairs separated by
 * commas or newlines (a Secret key holds it, since the URLs carry passwords). Where databases
 * live on different servers (managed PostgreSQL per domain), it names each one's URL; the
 * databases it does not name stay on `DATABASE_URL`'s server. Messages name the entry, never
 * its URL.
 */
export const DatabaseUrlsSchema = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const urls: Record<string, string> = {};
    const entries = value
      .split(/[,\n]/)
      .map((entry) => entry.trim())
      .filter(Boolean);
    entries.forEach((entry, index) => {
      const at = entry.indexOf("=");
      const name = at > 0 ? entry.slice(0, at).trim() : "";
      if (!DATABASE_NAME.test(name)) {
        ctx.addIssue({
          code: "custom",
          message: `entry ${index + 1}: expected <database>=postgres://…, with a database name of a-z, 0-9, _`,
        });
        return;
      }
      if (name in urls) {
        ctx.addIssue({ code: "custom", message: `${name} is named twice` });
        return;
      }
      const url = entry.slice(at + 1).trim();
      const problem = postgresUrlProblem(url);
      if (problem) {
        ctx.addIssue({ code: "custom", message: `${name}: ${problem}` });
        return;
      }
      urls[name] = url;
    });
    return urls;
  });
export type DatabaseUrls = z.infer<typeof DatabaseUrlsSchema>;

/**
 * The URL of each database in `names`: its own from `DATABASE_URLS`, else `serverUrl`'s server
 * with that database. Throws one line if a database has neither, or if DATABASE_URLS names a
 * database the process does not use (a misspelt name would otherwise fall back silently).
 */
export function resolveDatabaseUrls(
  names: readonly string[],
  sources: { serverUrl: string | undefined; urls: DatabaseUrls },
): Record<string, string> {
  const unused = Object.keys(sources.urls).filter((name) => !names.includes(name));
  if (unused.length > 0) {
    throw new ConfigError(
      `invalid configuration: DATABASE_URLS: names ${unused.join(", ")}, not among this process's databases (${names.join(", ")})`,
    );
  }
  const missing = names.filter((name) => !sources.urls[name] && !sources.serverUrl);
  if (missing.length > 0) {
    throw new ConfigError(
      `invalid configuration: DATABASE_URL: is required (the PostgreSQL server URL) unless DATABASE_URLS names every database; missing: ${missing.join(", ")}`,
    );
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      sources.urls[name] ?? databaseUrlFor(sources.serverUrl as string, name),
    ]),
  );
}
