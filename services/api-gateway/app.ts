import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { drizzle } from "drizzle-orm/node-postgres";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import type { Redis } from "ioredis";
import type pg from "pg";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { errorBody } from "@/lib/contracts/errors";
import { registerErrorHandling } from "@/lib/http/error-handler";
import type { BucketHistogram } from "@/lib/observability/bucket-histogram";
import { createMetricsRegistry, registerHttpMetrics } from "@/lib/observability/metrics";
import { watchBreakerOverrides } from "@/lib/resilience/breaker-overrides";
import { type BreakerSettings, CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { StatsPublisher } from "@/lib/resilience/stats-publisher";
import { UPSTREAM_SIDES } from "@/lib/resilience/upstream-key";
import type { GatewayConfig } from "./config";
import { createGatewayMetrics } from "./gateway-metrics";
import { GatewayProxy } from "./proxy";
import { RouteWatcher } from "./route-watcher";
import { ServiceTokens } from "./service-tokens";
import { ShadowMirror } from "./shadow";
import { Upstreams } from "./upstreams";

/** The configuration values the app uses (loadGatewayConfig gives them all). */
export type GatewaySettings = Pick<
  GatewayConfig,
  | "SERVICE_TOKEN_SECRET"
  | "KEIKO_KEY_PREFIX"
  | "GATEWAY_LEGACY_TIMEOUT_MS"
  | "GATEWAY_SERVICE_TIMEOUT_MS"
  | "GATEWAY_BODY_LIMIT_BYTES"
  | "GATEWAY_RESPONSE_LIMIT_BYTES"
  | "GATEWAY_UPSTREAM_CONNECTIONS"
  | "GATEWAY_SHADOW_CONCURRENCY"
  | "GATEWAY_SHADOW_MAX_BODY_BYTES"
  | "GATEWAY_ROUTES_RELOAD_MS"
  | "GATEWAY_BREAKER_MODE"
  | "GATEWAY_BREAKER_CONSECUTIVE_FAILURES"
  | "GATEWAY_BREAKER_ERROR_PERCENT"
  | "GATEWAY_BREAKER_WINDOW_MS"
  | "GATEWAY_BREAKER_MIN_RPS"
  | "GATEWAY_BREAKER_HALF_OPEN_AFTER_MS"
  | "GATEWAY_STATS_PUBLISH_MS"
>;

export type GatewayAppOptions = {
  settings: GatewaySettings;
  /** Pool on the control database: the routing table and the readiness probe. */
  pool: pg.Pool;
  /** The control database's URL, for the connection that LISTENs for route changes. */
  controlDatabaseUrl: string;
  redis: Redis;
  logger?: FastifyServerOptions["logger"];
  /** Names this gateway's stats snapshot in Redis; a random id unless told. */
  gatewayId?: string;
};

/** What the app owns besides Fastify, for tests and the console's live views. */
export type GatewayParts = {
  routes: RouteWatcher;
  breakers: CircuitBreakerRegistry;
  stats: RollingStats;
  shadow: ShadowMirror;
  publisher: StatsPublisher;
  proxy: GatewayProxy;
};

declare module "fastify" {
  interface FastifyInstance {
    gateway: GatewayParts;
  }
}

const PROXIED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The gateway's own endpoints, served by Fastify; every other path is proxied. */
const OWN_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

function ownEndpoint(request: IncomingMessage): boolean {
  if (!PROXIED_METHODS.has(request.method ?? "")) return true;
  const url = request.url ?? "";
  const queryAt = url.indexOf("?");
  return OWN_PATHS.has(queryAt === -1 ? url : url.slice(0, queryAt));
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The node:http server: the proxied path goes straight to the proxy (no Fastify request,
 * reply, hooks or body parser per call: issue 11), the gateway's own endpoints and anything
 * unroutable (other methods) to Fastify. The proxy is set once the app is built.
 */
function gatewayServer(fastify: Handler, options: ServerOptions, proxied: () => Handler | null) {
  return createServer(options, (request, response) => {
    const proxy = proxied();
    if (proxy === null || ownEndpoint(request)) fastify(request, response);
    else proxy(request, response);
  });
}

export function breakerSettingsOf(settings: GatewaySettings): BreakerSettings {
  return {
    opening:
      settings.GATEWAY_BREAKER_MODE === "consecutive"
        ? { kind: "consecutive", failures: settings.GATEWAY_BREAKER_CONSECUTIVE_FAILURES }
        : {
            kind: "rate",
            threshold: settings.GATEWAY_BREAKER_ERROR_PERCENT / 100,
            windowMs: settings.GATEWAY_BREAKER_WINDOW_MS,
            minimumRps: settings.GATEWAY_BREAKER_MIN_RPS,
          },
    halfOpenAfterMs: settings.GATEWAY_BREAKER_HALF_OPEN_AFTER_MS,
  };
}

async function check(name: string, probe: () => Promise<unknown>, timeoutMs = 1_000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} did not answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([probe(), timeout]);
    return { name, ok: true } as const;
  } catch (error) {
    return { name, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Answers a request Node's HTTP parser refused (bad header, bad request line) with a JSON 4xx. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const [status, text, code] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? ([431, "Request Header Fields Too Large", "bad_request"] as const)
      : ([400, "Bad Request", "bad_request"] as const);
  const body = JSON.stringify(errorBody(code, `malformed request: ${text.toLowerCase()}`));
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function refuse(response: ServerResponse, status: number, body: ReturnType<typeof errorBody>) {
  // the body the client may still send is not read: the connection ends with this answer
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    connection: "close",
  });
  response.end(JSON.stringify(body));
}

/**
 * The gateway answers `Expect` itself (RFC 9110 §10.1.1) and never forwards it: a body declared
 * over the limit gets its 413 before the client sends it, any other request `100 Continue`;
 * an expectation other than 100-continue gets a 417.
 */
function answerExpectations(server: Server, bodyLimit: number): void {
  server.on("checkContinue", (request, response) => {
    if (Number(request.headers["content-length"]) > bodyLimit) {
      refuse(
        response,
        413,
        errorBody("payload_too_large", `the request body is larger than ${bodyLimit} bytes`),
      );
      return;
    }
    response.writeContinue();
    server.emit("request", request, response);
  });
  server.on("checkExpectation", (_request, response) =>
    refuse(response, 417, errorBody("bad_request", "only Expect: 100-continue is supported")),
  );
}

/**
 * The API gateway's Fastify app, not listening: `/healthz`, `/readyz` (control database and
 * Redis), `/metrics`, and every other path proxied to the legacy runtime or the domain's new
 * service according to the routing table (kept current by a RouteWatcher). Loads the table, the
 * breaker overrides and starts the stats publisher before it returns; `app.close()` stops them.
 */
export async function buildGatewayApp(options: GatewayAppOptions): Promise<FastifyInstance> {
  const { settings, redis } = options;
  let proxied: Handler | null = null;
  const app = Fastify({
    serverFactory: (handler, serverOptions) =>
      gatewayServer(handler, serverOptions as ServerOptions, () => proxied),
    logger: options.logger ?? false,
    bodyLimit: settings.GATEWAY_BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 8_192 },
    exposeHeadRoutes: false,
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      const send = reply as unknown as FastifyReply;
      send.code(status).send(errorBody("bad_request", `malformed request: ${error.message}`));
    },
  });
  registerErrorHandling(app);
  answerExpectations(app.server, settings.GATEWAY_BODY_LIMIT_BYTES);
  const log: FastifyBaseLogger = app.log;

  const registry = createMetricsRegistry("api-gateway");
  registerHttpMetrics(app, registry);
  const metrics = createGatewayMetrics(registry);
  const requestDuration = registry.getSingleMetric("http_server_request_duration_seconds") as
    | BucketHistogram<"route" | "method" | "status">
    | undefined;

  const key = sharedSecretKey(settings.SERVICE_TOKEN_SECRET);
  const upstreams = new Upstreams({
    timeoutMs: {
      legacy: settings.GATEWAY_LEGACY_TIMEOUT_MS,
      service: settings.GATEWAY_SERVICE_TIMEOUT_MS,
    },
    connections: settings.GATEWAY_UPSTREAM_CONNECTIONS,
    maxResponseBytes: settings.GATEWAY_RESPONSE_LIMIT_BYTES,
  });
  const routes = new RouteWatcher({
    db: drizzle(options.pool),
    databaseUrl: options.controlDatabaseUrl,
    reloadIntervalMs: settings.GATEWAY_ROUTES_RELOAD_MS,
    logger: log,
    onSwap: (table) => {
      upstreams.retainOnly(table);
      metrics.routeReloads.inc();
      metrics.routedDomains.reset();
      for (const route of table.routes) metrics.routedDomains.inc({ state: route.state });
    },
  });
  const breakers = new CircuitBreakerRegistry({
    settings: breakerSettingsOf(settings),
    onTransition: (event) =>
      log.warn({ breaker: event.key, from: event.from, to: event.to }, "breaker changed state"),
  });
  const stats = new RollingStats();
  const shadow: ShadowMirror = new ShadowMirror({
    concurrency: settings.GATEWAY_SHADOW_CONCURRENCY,
    maxBodyBytes: settings.GATEWAY_SHADOW_MAX_BODY_BYTES,
    callService: (route, forward) => proxy.callSide(route, "service", forward),
    redis,
    prefix: settings.KEIKO_KEY_PREFIX,
    metrics,
    logger: log,
  });
  const proxy = new GatewayProxy({
    routes: () => routes.table,
    upstreams,
    tokens: new ServiceTokens(key),
    breakers,
    stats,
    metrics,
    operatorKey: key,
    shadow,
    logger: log,
    bodyLimitBytes: settings.GATEWAY_BODY_LIMIT_BYTES,
    requestDuration,
  });
  const publisher = new StatsPublisher({
    redis,
    prefix: settings.KEIKO_KEY_PREFIX,
    gatewayId: options.gatewayId ?? `api-gateway-${randomUUID().slice(0, 8)}`,
    breakers,
    stats,
    upstreams: () =>
      routes.table.routes.flatMap((route) =>
        UPSTREAM_SIDES.map((side) => ({ domain: route.name, side })),
      ),
    intervalMs: settings.GATEWAY_STATS_PUBLISH_MS,
    onError: (error) => log.warn({ err: error }, "stats publication failed"),
  });

  await routes.start();
  const overrides = await watchBreakerOverrides(
    redis,
    settings.KEIKO_KEY_PREFIX,
    (next) => {
      breakers.applyOverrides(next);
      log.info({ overrides: next }, "breaker overrides applied");
    },
    { onError: (error) => log.warn({ err: error }, "cannot read breaker overrides") },
  );
  publisher.start();
  app.decorate("gateway", { routes, breakers, stats, shadow, publisher, proxy });

  app.addHook("onClose", async () => {
    await publisher.stop();
    await overrides.close();
    await routes.close();
    await shadow.drain();
    await upstreams.close();
    breakers.dispose();
  });

  app.get("/healthz", async () => ({ status: "ok", service: "api-gateway" }));
  app.get("/readyz", async (_request, reply) => {
    const checks = await Promise.all([
      check("postgres", () => options.pool.query("select 1")),
      check("redis", () => redis.ping()),
    ]);
    const routesLoaded = routes.loaded;
    const ready = routesLoaded && checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({
      status: ready ? "ready" : "not ready",
      checks: [...checks, { name: "routes", ok: routesLoaded }],
      domains: routes.table.routes.length,
    });
  });

  proxied = (request, response) => proxy.serve(request, response);
  return app;
}
