import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { ErrorBodySchema } from "@/lib/contracts/errors";
import { testServiceKey } from "@/lib/testing/contract-target";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { rawRequest, startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

let legacy: UpstreamStub;
let identity: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;

beforeAll(async () => {
  [legacy, identity] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
  ]);
  gateway = await startGatewayUnderTest(
    [{ name: "identity", state: "legacy", legacyUrl: legacy.url, serviceUrl: identity.url }],
    { GATEWAY_BODY_LIMIT_BYTES: "1024" },
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, identity].map((stub) => stub?.close()));
});

/** Writes bytes as they are on a fresh connection and reads the whole answer. */
function rawExchange(bytes: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(gateway.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // the answers here are small and complete in one go: stop at the end of the JSON body
      if (Buffer.concat(chunks).toString("latin1").endsWith("}")) socket.end();
    });
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), body });
    });
    socket.on("error", reject);
  });
}

function expectErrorBody(body: string, code: string) {
  const parsed = ErrorBodySchema.parse(JSON.parse(body));
  expect(parsed.error.code).toBe(code);
  return parsed;
}

describe("bad input", () => {
  it("refuses oversized bodies with 413, declared or streamed", async () => {
    const big = "x".repeat(2_000);
    const declared = await fetch(`${gateway.baseUrl}/api/identity/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ big }),
    });
    expect(declared.status).toBe(413);
    expectErrorBody(await declared.text(), "payload_too_large");
    const chunked = await rawExchange(
      "POST /api/identity/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" +
        `Transfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    expect(chunked.status).toBe(413);
    expectErrorBody(chunked.body, "payload_too_large");
    expect(legacy.received).toHaveLength(0);
    // a body within the limit passes, whatever its content type
    const small = await fetch(`${gateway.baseUrl}/api/identity/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "x".repeat(1_000),
    });
    expect(small.status).toBe(200);
    expect(legacy.received.at(-1)?.body).toBe("x".repeat(1_000));
  });

  it("refuses malformed header lines and request lines with a JSON 400", async () => {
    const badName = await rawExchange(
      "GET /api/identity/v1/users HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
    );
    expect(badName.status).toBe(400);
    expectErrorBody(badName.body, "bad_request");
    const badValue = await rawExchange(
      "GET /api/identity/v1/users HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n",
    );
    expect(badValue.status).toBe(400);
    const absolute = await rawExchange(
      "GET http://elsewhere.example/api/identity/v1/users HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    expect(absolute.status).toBe(400);
    expectErrorBody(absolute.body, "bad_request");
  });

  it("refuses malformed gateway headers with 400", async () => {
    const cases: Array<Record<string, string | string[]>> = [
      { "x-keiko-force-side": "sideways" },
      { "x-keiko-force-side": ["legacy", "service"] },
      { "x-keiko-user": "has space" },
      { "x-keiko-user": "x".repeat(300) },
    ];
    for (const headers of cases) {
      const response = await rawRequest(`${gateway.baseUrl}/api/identity/v1/users`, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(400);
      expectErrorBody(response.body, "bad_request");
    }
  });

  it("refuses malformed paths with 400 before routing", async () => {
    const paths = [
      "/api/identity/v1/../../api/learning/v1/x",
      "/api/identity/v1/%2e%2e/secret",
      "/api/identity/v1/./users",
      "/api/identity//v1/users",
      "/api/identity/v1/users/%zz",
      "/api/identity/v1/users/a%2Fb",
      "/api/identity/v1/users/%5C..",
      "/api/identity/v1/users/%00",
      "//api/identity/v1/users",
    ];
    for (const path of paths) {
      const response = await rawExchange(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(response.status, path).toBe(400);
      expectErrorBody(response.body, "bad_request");
    }
    expect(legacy.received).toHaveLength(1);
  });

  it("answers 404 JSON for paths no domain serves", async () => {
    for (const path of ["/api/unknown/v1/x", "/api/identityx/v1/users", "/", "/api"]) {
      const response = await fetch(`${gateway.baseUrl}${path}`);
      expect(response.status, path).toBe(404);
      expectErrorBody(await response.text(), "not_found");
    }
  });

  it("refuses a forced side without a valid operator token with 403", async () => {
    const token = (overrides: Partial<Parameters<typeof issueServiceToken>[0]> = {}) =>
      issueServiceToken({
        key: testServiceKey,
        subject: "console",
        audience: "api-gateway",
        serviceType: "control-plane",
        permissions: ["gateway:force-side"],
        ...overrides,
      });
    const forged = {
      missing: undefined,
      garbage: "not-a-jwt",
      otherSecret: await token({ key: sharedSecretKey("a-secret-that-is-not-the-gateway-one!!") }),
      wrongAudience: await token({ audience: "identity" }),
      noPermission: await token({ permissions: ["identity:read"] }),
      expired: await token({ now: new Date(Date.now() - 3_600_000) }),
    };
    const seen = identity.received.length;
    for (const [name, value] of Object.entries(forged)) {
      const headers: Record<string, string> = { "x-keiko-force-side": "service" };
      if (value) headers["x-keiko-operator-token"] = value;
      const response = await fetch(`${gateway.baseUrl}/api/identity/v1/users`, { headers });
      expect(response.status, name).toBe(403);
      expectErrorBody(await response.text(), "forbidden");
    }
    expect(identity.received.length).toBe(seen);
  });
});
