import { describe, expect, it } from "vitest";
import { guardTrpcRequest, jsonNestingDepth, TRPC_BODY_LIMIT_BYTES } from "./request-limits";

const url = "http://127.0.0.1/api/trpc/migration.transition";

describe("tRPC request limits", () => {
  it("measures nesting without being fooled by brackets inside strings", () => {
    expect(jsonNestingDepth('{"a":[1,{"b":"[[[{{{\\"]]"}]}')).toBe(3);
    expect(jsonNestingDepth("[".repeat(100_000))).toBe(100_000);
  });

  it("refuses a body over the limit with 413, declared or not", async () => {
    const big = "x".repeat(TRPC_BODY_LIMIT_BYTES + 1);
    const declared = await guardTrpcRequest(new Request(url, { method: "POST", body: big }));
    expect(declared).toBeInstanceOf(Response);
    expect((declared as Response).status).toBe(413);
    const streamed = new Request(url, {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    const refused = (await guardTrpcRequest(streamed)) as Response;
    expect(refused.status).toBe(413);
    expect((await refused.json()).error.message).toBe("the request is larger than 1 MB");
  });

  it("refuses a small body nested too deeply with 400, in the body or the query", async () => {
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    const body = (await guardTrpcRequest(
      new Request(url, { method: "POST", body: deep }),
    )) as Response;
    expect(body.status).toBe(400);
    expect((await body.json()).error.message).toMatch(/nested more than 64 levels/);
    const query = (await guardTrpcRequest(
      new Request(`${url}?input=${encodeURIComponent(deep)}`),
    )) as Response;
    expect(query.status).toBe(400);
  });

  it("passes an ordinary request on with its body intact", async () => {
    const input = JSON.stringify({ 0: { json: { domain: "learning", reason: "ok" } } });
    const passed = await guardTrpcRequest(new Request(url, { method: "POST", body: input }));
    expect(passed).toBeInstanceOf(Request);
    expect(await (passed as Request).text()).toBe(input);
  });
});
