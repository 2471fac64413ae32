/**
 * Tracing across processes (issue 9): the gateway, the learning service, the outbox relay and the
 * passport consumer run as real processes with the preload (lib/observability/preload.ts),
 * exporting to an OTLP/HTTP receiver started here. One request through the gateway must give ONE
 * trace: gateway → learning (HTTP, then the outbox row's producer span) → relay → the passport
 * consumer's span, a child of the producer's. Also: log lines carry the span's ids, and without an
 * endpoint nothing is registered at all.
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, freePort, startChild, waitUntil } from "@/bench/gateway/processes";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { redisScope } from "@/lib/events/testing/redis-scope";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "@/lib/observability/testing/otlp-receiver";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";

const PRELOAD = path.resolve("lib/observability/preload.ts");
// Only the child processes write under the prefix; the scope deletes it after them.
const { url: REDIS_URL, prefix } = redisScope();
const SECRET = `tracing-test-secret-${randomBytes(16).toString("hex")}`;
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

const children: Child[] = [];
const cleanups: Array<() => Promise<void>> = [];
let receiver: OtlpReceiver;

/** Starts `entry` with tsx and the preload, as the launcher does. */
function traced(name: string, entry: string, env: Record<string, string>): Child {
  const child = startChild(
    name,
    process.execPath,
    ["--import", "tsx", "--import", PRELOAD, entry],
    {
      env: {
        ...process.env,
        DATABASE_URL: testServerUrl(),
        REDIS_URL,
        KEIKO_KEY_PREFIX: prefix,
        SERVICE_TOKEN_SECRET: SECRET,
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        OTEL_SERVICE_NAME: name,
        DEPLOYMENT_ENVIRONMENT: "test",
        ...env,
      },
    },
  );
  children.push(child);
  return child;
}

const ready = (child: Child, port: number) =>
  waitUntil(
    child,
    "a ready /readyz",
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
    90_000,
  );

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const seen = receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId}`).join("\n  ");
  throw new Error(`no ${what} within ${timeoutMs} ms; spans received:\n  ${seen}`);
}

let gatewayUrl: string;
let learningDbUrl: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  cleanups.push(() => receiver.close());
  const [control, learning, passport] = await Promise.all([
    createTestDatabase("control"),
    createTestDatabase("learning"),
    createTestDatabase("passport"),
  ]);
  for (const database of [control, learning, passport]) cleanups.push(() => database.drop());
  learningDbUrl = learning.url;
  const [gatewayPort, learningPort] = [await freePort(), await freePort()];
  const learningUrl = `http://127.0.0.1:${learningPort}`;

  // every domain migrated (so each consuming domain applies its own effects), learning served here
  const client = new pg.Client({ connectionString: control.url });
  await client.connect();
  for (const name of DOMAIN_NAMES) {
    await client.query(
      `insert into domains (name, display_name, path_prefix, legacy_url, service_url, state, canary_weight)
       values ($1, $1, $2, $3, $3, 'migrated', 100)`,
      [name, `/api/${name}`, name === "learning" ? learningUrl : "http://127.0.0.1:9"],
    );
  }
  await client.end();

  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint };
  const learningService = traced("learning", "services/learning/main.ts", {
    ...endpoint,
    PORT: String(learningPort),
    LEARNING_DATABASE: learning.name,
  });
  const gateway = traced("api-gateway", "services/api-gateway/main.ts", {
    ...endpoint,
    PORT: String(gatewayPort),
    CONTROL_DATABASE: control.name,
  });
  traced("outbox-relay", "workers/outbox-relay.ts", {
    ...endpoint,
    OUTBOX_DATABASES: learning.name,
    RELAY_IDLE_DELAY_MS: "50",
  });
  traced("passport-consumer", "services/passport/consume.ts", {
    ...endpoint,
    PASSPORT_DATABASE: passport.name,
  });
  await Promise.all([ready(learningService, learningPort), ready(gateway, gatewayPort)]);
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
}, 180_000);

afterAll(async () => {
  await Promise.all(children.map((child) => child.stop("SIGTERM", 5_000)));
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}, 60_000);

/** Two users learning knows (as if their registrations had been consumed). */
async function knownUsers(): Promise<{ tutorId: string; studentId: string }> {
  const [tutorId, studentId] = [randomUUID(), randomUUID()];
  const client = new pg.Client({ connectionString: learningDbUrl });
  await client.connect();
  await client.query(
    `insert into known_users (user_id, roles, registered_at) values
     ($1, '{tutor}', now()), ($2, '{student}', now())`,
    [tutorId, studentId],
  );
  await client.end();
  return { tutorId, studentId };
}

async function createInteraction(headers: Record<string, string>) {
  const users = await knownUsers();
  const response = await fetch(`${gatewayUrl}/api/learning/v1/interactions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ type: "lesson", content: "fractions", durationSeconds: 600, ...users }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string };
}

const inTrace = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
const byId = (spans: readonly ReceivedSpan[], id: string | undefined) =>
  spans.find((span) => span.spanId === id);

describe("one trace from the gateway to another service's consumer", () => {
  it("joins the gateway, the service, its event and the consumer's handling under the client's trace id", async () => {
    const traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");
    await createInteraction({ traceparent: `00-${traceId}-${clientSpanId}-01` });

    const consumerSpan = await until("passport consumer span in the client's trace", () =>
      inTrace(traceId).find((s) => s.service === "passport-consumer" && s.kind === CONSUMER),
    );
    // the handler's queries arrive in the same export or the next: wait for one
    await until("a passport-consumer database span under the consumer span", () =>
      inTrace(traceId).find(
        (s) => s.service === "passport-consumer" && s.parentSpanId === consumerSpan.spanId,
      ),
    );
    const spans = inTrace(traceId);
    const services = new Set(spans.map((span) => span.service));
    expect([...services].sort()).toEqual(["api-gateway", "learning", "passport-consumer"]);

    // gateway: a server span whose parent is the client's span
    const gatewayServer = spans.find((s) => s.service === "api-gateway" && s.kind === SERVER);
    expect(gatewayServer?.parentSpanId).toBe(clientSpanId);
    // learning: its server span is a child of one of the gateway's spans (the upstream call)
    const learningServer = spans.find((s) => s.service === "learning" && s.kind === SERVER);
    expect(byId(spans, learningServer?.parentSpanId)?.service).toBe("api-gateway");
    // the outbox write: a PRODUCER span in learning, the consumer's parent
    const producer = byId(spans, consumerSpan.parentSpanId);
    expect(producer).toMatchObject({ service: "learning", kind: PRODUCER });
    expect(consumerSpan.attributes).toMatchObject({
      "messaging.system": "redis",
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": "passport",
      "messaging.destination.name": `${prefix}events:interaction`,
      "keiko.event_type": "learning.InteractionCreated",
    });
    // every span but the client's root has its parent in the trace: nothing hangs loose
    const ids = new Set(spans.map((span) => span.spanId));
    const orphans = spans.filter(
      (s) => s.parentSpanId !== clientSpanId && !ids.has(s.parentSpanId ?? ""),
    );
    expect(orphans.map((s) => `${s.service} ${s.name}`)).toEqual([]);
    expect(gatewayServer?.attributes.resource).toMatchObject({
      "service.name": "api-gateway",
      "service.namespace": "keiko",
      "deployment.environment": "test",
    });
  }, 60_000);

  it("starts the trace at the gateway when the client sends no traceparent", async () => {
    const before = new Set(receiver.spans.map((span) => span.traceId));
    await createInteraction({});
    const consumerSpan = await until("a new passport consumer span", () =>
      receiver.spans.find(
        (s) => s.service === "passport-consumer" && s.kind === CONSUMER && !before.has(s.traceId),
      ),
    );
    const spans = inTrace(consumerSpan.traceId);
    const root = spans.find((s) => s.parentSpanId === undefined);
    expect(root).toMatchObject({ service: "api-gateway", kind: SERVER });
    expect(spans.some((s) => s.service === "learning" && s.kind === SERVER)).toBe(true);
  }, 60_000);
});

describe("logs and a process without an endpoint", () => {
  const PROBE = "lib/observability/testing/telemetry-probe.ts";

  async function startProbe(env: Record<string, string>) {
    let info: Record<string, unknown> | undefined;
    const lines: string[] = [];
    const child = startChild(
      "telemetry-probe",
      process.execPath,
      ["--import", "tsx", "--import", PRELOAD, PROBE],
      {
        env: { ...process.env, OTEL_SERVICE_NAME: "telemetry-probe", ...env },
        onLine: (line) => {
          lines.push(line);
          if (!info && line.includes('"port"')) info = JSON.parse(line);
        },
      },
    );
    children.push(child);
    await waitUntil(child, "its start line", async () => info !== undefined, 30_000);
    return { child, info: info as Record<string, unknown>, lines };
  }

  it("puts the handling span's trace_id and span_id on the log line", async () => {
    const probe = await startProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    const traceId = randomBytes(16).toString("hex");
    await fetch(`http://127.0.0.1:${probe.info.port}/hello`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    });
    const line = await until("the probe's log line", () =>
      probe.lines
        .map((l) => (l.includes("handled a request") ? JSON.parse(l) : undefined))
        .find(Boolean),
    );
    expect(line.trace_id).toBe(traceId);
    const server = await until("the probe's server span", () =>
      inTrace(traceId).find((s) => s.service === "telemetry-probe" && s.kind === SERVER),
    );
    expect(line.span_id).toBe(server.spanId);
    await probe.child.stop();
  }, 60_000);

  it("registers nothing, patches nothing and loads no SDK without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    const on = await startProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    const off = await startProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: "" });
    // the same probe with an endpoint shows what "registered" looks like
    expect(on.info).toMatchObject({ tracerProvider: "TracerProvider", httpPatched: true });
    expect(off.info).toEqual({
      port: off.info.port,
      tracerProvider: "NoopTracerProvider",
      propagatorFields: [],
      httpPatched: false,
      otelModulesLoaded: 0,
    });
    const requests = receiver.requests;
    await fetch(`http://127.0.0.1:${off.info.port}/quiet`);
    const line = await until("the quiet probe's log line", () =>
      off.lines.find((l) => l.includes("handled a request")),
    );
    expect(JSON.parse(line)).not.toHaveProperty("trace_id");
    await Promise.all([on.child.stop(), off.child.stop()]);
    expect(receiver.spans.some((s) => s.attributes["url.path"] === "/quiet")).toBe(false);
    expect(receiver.requests).toBeGreaterThanOrEqual(requests);
  }, 60_000);
});
