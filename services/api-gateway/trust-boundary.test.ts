import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DomainName } from "@/lib/contracts/domains";
import { ErrorBodySchema } from "@/lib/contracts/errors";
import type { BreakerTransitionEvent } from "@/lib/resilience/circuit-breakers";
import { upstreamKey } from "@/lib/resilience/upstream-key";
import { readClientHeaders, traceContextOf } from "./forward-headers";
import { parseRequestTarget } from "./request-target";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { type RawAnswer, rawHttpExchange } from "./testing/raw-http";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

const BODY_LIMIT = 4_096;

let legacy: UpstreamStub;
let identity: UpstreamStub;
let learning: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;
const transitions: BreakerTransitionEvent[] = [];

beforeAll(async () => {
  [legacy, identity, learning] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
    startUpstreamStub({ audience: "learning" }),
  ]);
  gateway = await startGatewayUnderTest(
    [
      { name: "identity", state: "legacy", legacyUrl: legacy.url, serviceUrl: identity.url },
      { name: "learning", state: "migrated", legacyUrl: legacy.url, serviceUrl: learning.url },
    ],
    {
      GATEWAY_BREAKER_CONSECUTIVE_FAILURES: "5",
      GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    },
  );
  gateway.app.gateway.breakers.onTransition((event) => transitions.push(event));
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, identity, learning].map((stub) => stub?.close()));
});

beforeEach(() => {
  for (const stub of [legacy, identity, learning]) stub.behave({});
});

const UPSTREAMS = [
  ["identity", "legacy"],
  ["identity", "service"],
  ["learning", "legacy"],
  ["learning", "service"],
] as const satisfies ReadonlyArray<readonly [DomainName, "legacy" | "service"]>;

/** Requests and errors of every upstream's rolling window, as slo-guard and the console see them. */
function windows() {
  return Object.fromEntries(
    UPSTREAMS.map(([domain, side]) => {
      const { requests, errors } = gateway.app.gateway.stats.snapshot(
        upstreamKey(domain, side),
      ).window;
      return [upstreamKey(domain, side), { requests, errors }];
    }),
  );
}

function breakerStates() {
  return UPSTREAMS.map(([domain, side]) => gateway.app.gateway.breakers.status(domain, side).state);
}

const received = () => legacy.received.length + identity.received.length + learning.received.length;

function head(method: string, path: string, lines: string[] = []): string {
  return [`${method} ${path} HTTP/1.1`, "Host: gateway.test", ...lines].join("\r\n");
}

/** A JSON POST the way curl sends a large one: `Expect: 100-continue`, body right behind. */
function curlLikePost(path: string, body: string, waitForContinue = false): Promise<RawAnswer> {
  return rawHttpExchange(gateway.baseUrl, {
    head: head("POST", path, [
      "User-Agent: curl/8.5.0",
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Expect: 100-continue",
    ]),
    body,
    waitForContinue,
  });
}

function expectGatewayError(answer: RawAnswer, status: number) {
  expect(answer.status, answer.body).toBe(status);
  const parsed = ErrorBodySchema.parse(JSON.parse(answer.body));
  // a plain sentence for a person, never an internal error text
  expect(parsed.error.message).not.toMatch(/UND_ERR|undici|stack|internal error/i);
  return parsed;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the gateway's trust boundary", () => {
  it("answers Expect: 100-continue and forwards without it: a flood of them opens no breaker", async () => {
    const body = JSON.stringify({ name: "patient client" });
    const patient = await curlLikePost("/api/identity/v1/users", body, true);
    expect(patient.interim).toEqual([100]);
    expect(patient.status, patient.body).toBe(200);
    expect(patient.headers["x-keiko-upstream"]).toBe("legacy-runtime");
    expect(legacy.received.at(-1)?.body).toBe(body);
    expect(legacy.received.at(-1)?.headers.expect).toBeUndefined();

    // anonymous curl-like requests on both sides of the gateway, interleaved with plain ones
    const before = windows();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const path = i % 4 < 2 ? "/api/identity/v1/users" : "/api/learning/v1/interactions";
        if (i % 2 === 0) return curlLikePost(path, JSON.stringify({ i }));
        return fetch(`${gateway.baseUrl}${path}`).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        }));
      }),
    );
    for (const answer of answers) expect(answer.status, answer.body).toBe(200);
    expect(transitions).toEqual([]);
    expect(breakerStates()).toEqual(["closed", "closed", "closed", "closed"]);
    const after = windows();
    expect(after["identity:legacy"]).toEqual({
      requests: (before["identity:legacy"]?.requests ?? 0) + 20,
      errors: 0,
    });
    expect(after["learning:service"]).toEqual({
      requests: (before["learning:service"]?.requests ?? 0) + 20,
      errors: 0,
    });
  });

  it("answers what it cannot forward itself, plainly, and counts none of it", async () => {
    const before = windows();
    const upstreamCalls = received();
    const path = "/api/identity/v1/users";
    const cases: Array<{
      name: string;
      head: string;
      body?: string;
      waitForContinue?: boolean;
      status: number;
    }> = [
      {
        name: "an expectation other than 100-continue",
        head: head("GET", path, ["Expect: tea"]),
        status: 417,
      },
      {
        name: "a control character in a value",
        head: head("GET", path, ["X-Note: a\x7fb"]),
        status: 400,
      },
      { name: "a space in a header name", head: head("GET", path, ["X Note: 1"]), status: 400 },
      {
        name: "two lengths",
        head: head("POST", path, ["Content-Length: 2", "Content-Length: 3"]),
        body: "{}",
        status: 400,
      },
      {
        name: "a length and a chunked body",
        head: head("POST", path, ["Content-Length: 2", "Transfer-Encoding: chunked"]),
        body: "2\r\n{}\r\n0\r\n\r\n",
        status: 400,
      },
      {
        name: "a body over the limit",
        head: head("POST", path, [
          "Content-Type: application/json",
          `Content-Length: ${BODY_LIMIT + 1}`,
        ]),
        body: "x".repeat(BODY_LIMIT + 1),
        status: 413,
      },
      {
        name: "a body over the limit, announced",
        head: head("POST", path, [
          "Content-Type: application/json",
          `Content-Length: ${BODY_LIMIT + 1}`,
          "Expect: 100-continue",
        ]),
        body: "x".repeat(BODY_LIMIT + 1),
        waitForContinue: true,
        status: 413,
      },
      { name: "a dot segment", head: head("GET", "/api/identity/v1/../../learning"), status: 400 },
      { name: "a bad user key", head: head("GET", path, ["X-Keiko-User: a b"]), status: 400 },
      {
        name: "a forced side without a token",
        head: head("GET", path, ["X-Keiko-Force-Side: service"]),
        status: 403,
      },
      { name: "no domain", head: head("GET", "/api/nowhere/v1/x"), status: 404 },
    ];
    for (const refused of cases) {
      const answer = await rawHttpExchange(gateway.baseUrl, refused);
      expect(answer.status, refused.name).toBe(refused.status);
      expectGatewayError(answer, refused.status);
      // an announced body is refused before the client sends it
      if (refused.waitForContinue) expect(answer.interim).toEqual([]);
    }

    // the last line of defence: a request the HTTP client refuses to send, as a shadow copy
    // or a future header might be, is the gateway's own fault and never the upstream's
    const route = gateway.app.gateway.routes.table.routes.find((r) => r.name === "identity");
    if (!route) throw new Error("identity is not routed");
    for (let i = 0; i < 8; i++) {
      // a header set past readClientHeaders' checks, as a future gateway header might be
      const headers = readClientHeaders(["Content-Type", "application/json"]);
      headers.forwarded.push("x-note", "split\r\nx-evil: 1");
      const call = await gateway.app.gateway.proxy.callSide(route, "legacy", {
        method: "POST",
        target: parseRequestTarget(path),
        headers,
        body: Buffer.from("{}"),
        clientIp: "203.0.113.7",
        protocol: "http",
        trace: traceContextOf(undefined),
      });
      expect(call).toMatchObject({ kind: "refused", side: "legacy", status: 500 });
      // and one undici itself refuses (a method that is no HTTP token): still not the upstream's
      const unsendable = await gateway.app.gateway.proxy.callSide(route, "legacy", {
        method: "B@D" as "GET",
        target: parseRequestTarget(path),
        headers: readClientHeaders([]),
        body: undefined,
        clientIp: "203.0.113.7",
        protocol: "http",
        trace: traceContextOf(undefined),
      });
      expect(unsendable).toMatchObject({ kind: "refused", side: "legacy", status: 500 });
    }

    expect(received()).toBe(upstreamCalls);
    expect(windows()).toEqual(before);
    expect(transitions).toEqual([]);
    expect(breakerStates()).toEqual(["closed", "closed", "closed", "closed"]);
  });

  it("answers a streamed body over the limit with a 413 the client reads, not a reset", async () => {
    // 2 MB, chunked (no length to refuse it from): the gateway finds it too large after 4 KB,
    // answers while the client still writes, and reads the rest so the answer is not wiped
    const big = "x".repeat(2 * 1024 * 1024);
    const upstreamCalls = received();
    for (let i = 0; i < 5; i++) {
      const answer = await rawHttpExchange(gateway.baseUrl, {
        head: head("POST", "/api/identity/v1/users", [
          "Content-Type: application/json",
          "Transfer-Encoding: chunked",
        ]),
        body: `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
      });
      expect(answer.status).toBe(413);
      expectGatewayError(answer, 413);
      // the rest is read, not left unread on a closing connection (which would reset it)
      expect(answer.headers.connection).not.toBe("close");
    }
    expect(received()).toBe(upstreamCalls);
  });

  it("owns every hop-by-hop and internal header: none a client sends reaches an upstream", async () => {
    const body = JSON.stringify({ title: "headers" });
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\nX-Checksum: 1\r\n\r\n`;
    const clientHeaders = [
      "Content-Type: application/json",
      "Connection: keep-alive, Upgrade, X-Hop-Private",
      "X-Hop-Private: secret",
      "Keep-Alive: timeout=5",
      "Upgrade: h2c",
      "Proxy-Authorization: Basic Zm9vOmJhcg==",
      "Proxy-Anything: 1",
      "TE: trailers",
      "Trailer: X-Checksum",
      "Expect: 100-continue",
      "Transfer-Encoding: chunked",
      "X-Keiko-Shadow: 1",
      "X-Keiko-Legacy-Effects: forged",
      "X-Keiko-Operator-Token: forged",
      "X-Keiko-Upstream: forged",
      "X-Keiko-Whatever: forged",
      "X-Keiko-User: user-9",
      "X-End-To-End: kept",
    ];
    const answerHeaders = {
      "x-keiko-upstream": "forged",
      "x-keiko-internal": "leaked",
      "proxy-authenticate": "Basic",
      "x-answer": "kept",
    };
    const dropped = [
      "keep-alive",
      "upgrade",
      "proxy-authorization",
      "proxy-anything",
      "te",
      "trailer",
      "expect",
      "transfer-encoding",
      "x-hop-private",
      "x-checksum",
    ];
    for (const [path, stub, upstream] of [
      ["/api/identity/v1/users", legacy, "legacy-runtime"],
      ["/api/learning/v1/interactions", learning, "learning"],
    ] as const) {
      stub.behave({ headers: answerHeaders });
      const answer = await rawHttpExchange(gateway.baseUrl, {
        head: head("POST", path, clientHeaders),
        body: chunked,
      });
      expect(answer.status, answer.body).toBe(200);
      const seen = stub.received.at(-1);
      expect(seen?.body).toBe(body);
      const names = Object.keys(seen?.headers ?? {});
      for (const name of dropped) expect(names, `${upstream} got ${name}`).not.toContain(name);
      // the client's own x-keiko-user, and on a service what the gateway itself tells it
      const internal = names.filter((name) => name.startsWith("x-keiko-")).sort();
      const gatewaySet = upstream === "legacy-runtime" ? [] : ["x-keiko-legacy-effects"];
      expect(internal.filter((name) => !gatewaySet.includes(name))).toEqual(["x-keiko-user"]);
      expect(String(seen?.headers["x-keiko-legacy-effects"])).not.toContain("forged");
      expect(seen?.headers).toMatchObject({
        connection: "keep-alive",
        "content-length": String(Buffer.byteLength(body)),
        "x-end-to-end": "kept",
        "x-keiko-user": "user-9",
        "x-forwarded-for": "127.0.0.1",
      });
      // and back: the client sees the gateway's own internal headers only
      expect(answer.headers["x-keiko-upstream"]).toBe(upstream);
      expect(answer.headers["x-keiko-internal"]).toBeUndefined();
      expect(answer.headers["proxy-authenticate"]).toBeUndefined();
      expect(answer.headers["x-answer"]).toBe("kept");
    }
  });

  it("refuses a flood of bad requests cheaply: good requests keep their pace and breakers stay closed", async () => {
    legacy.behave({ delayMs: 2 });
    learning.behave({ delayMs: 2 });
    const good = async (more: () => boolean, latencies: number[], statuses: number[]) => {
      for (let i = 1; more(); i++) {
        const path = i % 2 ? "/api/identity/v1/users" : "/api/learning/v1/interactions";
        const started = performance.now();
        const response = await fetch(`${gateway.baseUrl}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-keiko-user": `good-${i}` },
          body: JSON.stringify({ i }),
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        statuses.push(response.status);
      }
    };
    const badRequests = [
      head("GET", "/api/identity/v1/users", ["Expect: tea"]),
      head("GET", "/api/identity/v1/users", ["X-Note: a\x7fb"]),
      head("GET", "/api/identity/v1/%2e%2e/secret"),
      head("GET", "/api/learning/v1/x", ["X-Keiko-User: a b"]),
      head("GET", "/api/learning/v1/x", ["X-Keiko-Force-Side: service"]),
      head("POST", "/api/learning/v1/x", ["Content-Length: 2", "Content-Length: 3"]),
      head("GET", "/api/nowhere/v1/x"),
    ];
    const FLOOD_WORKERS = 6;
    const FLOOD_PER_WORKER = 40;
    let curlLike = 0;
    const flood = async (statuses: number[]) => {
      for (let i = 1; i <= FLOOD_PER_WORKER; i++) {
        if (i % 8 === 0) {
          // a request that the gateway once counted against legacy: now simply forwarded
          curlLike += 1;
          const answer = await curlLikePost("/api/identity/v1/users", "{}");
          statuses.push(answer.status === 200 ? 0 : answer.status);
          continue;
        }
        const bad = badRequests[i % badRequests.length] ?? "";
        const answer = await rawHttpExchange(gateway.baseUrl, {
          head: bad,
          body: bad.includes("Content-Length") ? "{}" : undefined,
        });
        statuses.push(answer.status);
      }
    };

    const baseline: number[] = [];
    const baselineStatuses: number[] = [];
    await Promise.all(
      [0, 1].map(() => good(() => baseline.length < 40, baseline, baselineStatuses)),
    );

    const before = windows();
    const upstreamCalls = received();
    const duringFlood: number[] = [];
    const goodStatuses: number[] = [];
    const badStatuses: number[] = [];
    let flooding = true;
    const floods = Promise.all(
      Array.from({ length: FLOOD_WORKERS }, () => flood(badStatuses)),
    ).finally(() => {
      flooding = false;
    });
    await Promise.all([
      ...[0, 1].map(() => good(() => flooding, duringFlood, goodStatuses)),
      floods,
    ]);
    await sleep(50);

    expect(baselineStatuses.every((status) => status === 200)).toBe(true);
    expect(goodStatuses.length).toBeGreaterThan(5);
    expect(goodStatuses.every((status) => status === 200)).toBe(true);
    const refusals = badStatuses.filter((status) => status !== 0);
    expect(refusals).toHaveLength(FLOOD_WORKERS * FLOOD_PER_WORKER - curlLike);
    expect(refusals.every((status) => status >= 400 && status < 500)).toBe(true);
    expect(badStatuses.filter((status) => status === 0)).toHaveLength(curlLike);
    // only the good requests and the curl-like ones reached an upstream, and none failed
    expect(received() - upstreamCalls).toBe(goodStatuses.length + curlLike);
    const after = windows();
    const newRequests = UPSTREAMS.reduce((sum, [domain, side]) => {
      const key = upstreamKey(domain, side);
      return sum + (after[key]?.requests ?? 0) - (before[key]?.requests ?? 0);
    }, 0);
    expect(newRequests).toBe(goodStatuses.length + curlLike);
    expect(Object.values(after).every((window) => window.errors === 0)).toBe(true);
    expect(transitions).toEqual([]);
    expect(breakerStates()).toEqual(["closed", "closed", "closed", "closed"]);

    const quiet = percentile(baseline, 50);
    const flooded = percentile(duringFlood, 50);
    console.info(
      `good requests: median ${quiet.toFixed(1)} ms alone, ${flooded.toFixed(1)} ms beside ${refusals.length} refusals (${goodStatuses.length} good, ${curlLike} curl-like)`,
    );
    // one process on two shared cores runs clients, gateway and stubs: the bound allows for
    // sharing the CPU with the flood's clients, not for upstream work done for bad requests
    expect(flooded).toBeLessThan(Math.max(quiet * 4, quiet + 40));
  });
});
