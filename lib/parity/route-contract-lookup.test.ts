import { describe, expect, it } from "vitest";
import { buildPath, pathParamNames } from "@/lib/contracts/route";
import { allRoutes } from "@/lib/contracts/routes";
import { findRouteContract } from "@/lib/parity/route-contract-lookup";

describe("findRouteContract", () => {
  it("finds every contract route from a concrete path", () => {
    for (const { name, route } of allRoutes()) {
      const params = Object.fromEntries(
        pathParamNames(route.path).map((param) => [param, `value-of-${param}`]),
      );
      const found = findRouteContract(route.method, buildPath(route, params));
      expect(found?.name, `${route.method} ${route.path}`).toBe(name);
      expect(found?.params).toEqual(params);
      expect(found?.volatileFields).toBe(route.volatileFields);
    }
  });

  it("decodes parameters and ignores the query string", () => {
    const found = findRouteContract(
      "get",
      "/api/identity/v1/dids/did%3Akey%3Az6MkDemo1?expand=true",
    );
    expect(found).toMatchObject({
      name: "identity.resolveDid",
      params: { did: "did:key:z6MkDemo1" },
      volatileFields: ["id", "createdAt"],
    });
    expect(findRouteContract("GET", "/api/identity/v1/users?role=tutor")?.name).toBe(
      "identity.listUsers",
    );
    expect(findRouteContract("POST", "/api/identity/v1/users")?.name).toBe("identity.registerUser");
  });

  it("answers null for unknown paths, methods and malformed encodings", () => {
    expect(findRouteContract("GET", "/api/identity/v1/nothing-here")).toBeNull();
    expect(findRouteContract("DELETE", "/api/identity/v1/users")).toBeNull();
    expect(findRouteContract("BREW", "/api/identity/v1/users")).toBeNull();
    expect(findRouteContract("GET", "/api/identity/v1/users/%E0%A4%A")).toBeNull();
  });
});
