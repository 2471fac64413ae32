import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildPath, defineRoute, pathParamNames } from "@/lib/contracts/route";

describe("defineRoute", () => {
  it("refuses a path outside /api/<domain>/v<n>", () => {
    expect(() =>
      defineRoute({
        domain: "identity",
        method: "GET",
        path: "/api/learning/v1/users",
        summary: "wrong domain",
        status: 200,
        response: z.object({}),
        permission: "identity:read",
        volatileFields: [],
      }),
    ).toThrow(/must live under \/api\/identity\/v<n>/);
  });
});

describe("buildPath", () => {
  it("fills and encodes path parameters", () => {
    const route = { path: "/api/identity/v1/dids/:did" };
    expect(pathParamNames(route.path)).toEqual(["did"]);
    expect(buildPath(route, { did: "did:key:z6Mk/x" })).toBe(
      "/api/identity/v1/dids/did%3Akey%3Az6Mk%2Fx",
    );
    expect(() => buildPath(route)).toThrow(/missing path parameter did/);
  });
});
