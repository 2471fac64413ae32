import { describe, expect, it } from "vitest";
import { canaryBucket, planFor, userKeyOf } from "./choose-side";
import { type DomainRoute, matchRoute, routeTableOf } from "./route-table";

const route = (state: DomainRoute["state"], canaryWeight = 0): DomainRoute => ({
  name: "learning",
  pathPrefix: "/api/learning",
  legacyUrl: new URL("http://127.0.0.1:8090"),
  serviceUrl: new URL("http://127.0.0.1:8102"),
  state,
  canaryWeight,
  shadowPercent: 100,
  version: 1,
  writeFence: false,
});

describe("choosing a side", () => {
  it("spreads users evenly over 100 buckets, the same bucket every time", () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const bucket = canaryBucket("learning", `user:${i}`);
      expect(bucket).toBe(canaryBucket("learning", `user:${i}`));
      counts[Math.floor(bucket / 10)] += 1;
    }
    for (const count of counts) expect(Math.abs(count - 1_000)).toBeLessThan(150);
  });

  it("only ever moves users to the service as the weight grows", () => {
    for (let i = 0; i < 500; i++) {
      let onService = false;
      for (const weight of [1, 5, 10, 25, 50, 100]) {
        const side = planFor(route("canary", weight), () => `user:${i}`).side;
        if (onService) expect(side).toBe("service");
        onService = side === "service";
      }
      expect(onService).toBe(true);
    }
  });

  it("follows the state", () => {
    const key = () => "user:x";
    expect(planFor(route("legacy"), key)).toEqual({ side: "legacy", mirror: false, forced: false });
    expect(planFor(route("shadow"), key)).toEqual({ side: "legacy", mirror: true, forced: false });
    expect(planFor(route("migrated", 100), key).side).toBe("service");
  });

  it("keys users by x-keiko-user, else by address", () => {
    expect(userKeyOf("u-1", "10.0.0.1")).toBe("user:u-1");
    expect(userKeyOf(undefined, "10.0.0.1")).toBe("ip:10.0.0.1");
    expect(() => userKeyOf("", "10.0.0.1")).toThrow(/x-keiko-user/);
  });

  it("matches prefixes on whole segments, longest first", () => {
    const table = routeTableOf([
      { ...route("legacy"), name: "identity", pathPrefix: "/api/identity" },
      { ...route("legacy"), name: "learning", pathPrefix: "/api/identity/learning" },
    ]);
    expect(matchRoute(table, "/api/identity/v1/users")?.name).toBe("identity");
    expect(matchRoute(table, "/api/identity/learning/v1")?.name).toBe("learning");
    expect(matchRoute(table, "/api/identity")?.name).toBe("identity");
    expect(matchRoute(table, "/api/identityx/v1")).toBeUndefined();
  });
});
