import proxyaddr from "proxy-addr";
import { z } from "zod";
import { databaseUrlFor, parseEnv } from "./parse-env";

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/** Where the observability page's charts come from (any Prometheus that loads k8s/…/rules.yml). */
const PrometheusUrlSchema = z
  .url({ message: "must be the Prometheus base URL, e.g. http://127.0.0.1:9090" })
  .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://")
  .default("http://127.0.0.1:9090");

const PrometheusTargetEnvSchema = z.object({ PROMETHEUS_URL: PrometheusUrlSchema });

/** The trace UI (Jaeger) that trace ids link to, as `<url>/trace/<id>`; unset: no links. */
const JaegerUiUrlSchema = z
  .url({ message: "must be the Jaeger UI's base URL, e.g. http://127.0.0.1:16686" })
  .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://")
  .transform((v) => v.replace(/\/+$/, ""))
  .optional()
  .or(z.literal("").transform(() => undefined));

const JaegerEnvSchema = z.object({ JAEGER_UI_URL: JaegerUiUrlSchema });

export const ConsoleEnvSchema = z
  .object({
    PROMETHEUS_URL: PrometheusUrlSchema,
    DATABASE_URL: z
      .url({ message: "must be a postgres:// URL of the PostgreSQL server" })
      .refine((v) => /^postgres(ql)?:\/\//.test(v), "must start with postgres://"),
    CONTROL_DATABASE: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default("keiko_control"),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
    REDIS_URL: z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), "must start with redis://")
      .default("redis://127.0.0.1:6379"),
    KEIKO_KEY_PREFIX: z
      .string()
      .regex(/^[a-z0-9:_-]*$/, "may use a-z, 0-9, ':', '_' and '-'")
      .default(""),
    /** Verifies service tokens of workers (slo-guard) calling the internal procedures. */
    SERVICE_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    SESSION_MAX_AGE_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(8 * 3600),
    OIDC_ISSUER: optionalText,
    OIDC_CLIENT_ID: optionalText,
    OIDC_CLIENT_SECRET: optionalText,
    OIDC_DEFAULT_ROLE: z.enum(["viewer", "operator", "admin"]).default("viewer"),
    /** The console's public URL; its origin is accepted on mutations, https makes cookies Secure. */
    NEXTAUTH_URL: z
      .url({ message: "must be the console's public URL, e.g. https://keiko.example.org" })
      .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://")
      .optional(),
    /** `1` or `0` forces the Secure cookie flag; unset, it follows NEXTAUTH_URL's scheme. */
    SECURE_COOKIES: z.enum(["0", "1"], { message: "must be 0 or 1" }).optional(),
    /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`…); none by default. */
    TRUSTED_PROXIES: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .refine(
        (list) => {
          try {
            proxyaddr.compile(list);
            return true;
          } catch {
            return false;
          }
        },
        {
          message:
            "must be a comma list of IP addresses, CIDR ranges or loopback/linklocal/uniquelocal",
        },
      ),
    LOGIN_FAILURES_PER_USERNAME: z.coerce.number().int().min(1).max(1000).default(10),
    LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(30),
    LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    JAEGER_UI_URL: JaegerUiUrlSchema,
    /** A kubeconfig file for the Argo CD view; without it (and outside a cluster) the page shows k8s/overlays only. */
    KUBECONFIG: optionalText,
    /** Set by Kubernetes inside a pod: the console then uses its service account. */
    KUBERNETES_SERVICE_HOST: optionalText,
    /** Where the Argo CD Applications live. */
    ARGOCD_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name")
      .default("argocd"),
    /** The kustomize overlays (one folder per environment) whose images are the desired state. */
    GITOPS_OVERLAYS_DIR: z.string().trim().min(1).default("k8s/overlays"),
  })
  .refine(
    (env) =>
      [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].every((v) => v === undefined) ||
      [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].every((v) => v !== undefined),
    {
      message: "set all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET or none",
      path: ["OIDC_ISSUER"],
    },
  );

export type ConsoleEnv = z.infer<typeof ConsoleEnvSchema> & {
  controlDatabaseUrl: string;
  /** Whether session cookies are Secure (and `__Secure-` prefixed). */
  secureCookies: boolean;
};

let cached: ConsoleEnv | undefined;

/** The console's configuration, read from process.env on first use and then kept. */
export function consoleEnv(): ConsoleEnv {
  if (!cached) {
    const env = parseEnv(ConsoleEnvSchema, process.env);
    cached = {
      ...env,
      controlDatabaseUrl: databaseUrlFor(env.DATABASE_URL, env.CONTROL_DATABASE),
      secureCookies:
        env.SECURE_COOKIES === undefined
          ? env.NEXTAUTH_URL?.startsWith("https://") === true
          : env.SECURE_COOKIES === "1",
    };
  }
  return cached;
}

/**
 * PROMETHEUS_URL alone, read at each call: the metrics router needs none of the database or
 * session settings to say where it looks (and tests can point it elsewhere).
 */
export function consolePrometheusUrl(
  env: Record<string, string | undefined> = process.env,
): string {
  return parseEnv(PrometheusTargetEnvSchema, env).PROMETHEUS_URL;
}

/** JAEGER_UI_URL alone, read at each call (trace links need none of the other settings). */
export function consoleJaegerUiUrl(
  env: Record<string, string | undefined> = process.env,
): string | null {
  return parseEnv(JaegerEnvSchema, env).JAEGER_UI_URL ?? null;
}
