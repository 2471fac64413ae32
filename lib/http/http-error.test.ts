import { describe, expect, it } from "vitest";
import { HttpError } from "./http-error";

describe("an HttpError", () => {
  it("carries no stack trace for a client's fault, and one for a server's", () => {
    const before = Error.stackTraceLimit;
    const client = new HttpError("bad_request", "malformed request path: dot segments");
    expect(client.status).toBe(400);
    expect(client.message).toBe("malformed request path: dot segments");
    expect(client.stack ?? "").not.toMatch(/\n\s+at /);
    const server = new HttpError("internal", "internal error");
    expect(server.status).toBe(500);
    expect(server.stack ?? "").toMatch(/\n\s+at /);
    // the process's own limit is left as it was
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("plain").stack ?? "").toMatch(/\n\s+at /);
  });
});
