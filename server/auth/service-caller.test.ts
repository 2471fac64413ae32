import { describe, expect, it } from "vitest";
import { serviceCaller } from "./service-caller";

const request = (authorization?: string) =>
  new Request("http://127.0.0.1/api/trpc/internal.guardState", {
    headers: authorization === undefined ? {} : { authorization },
  });

describe("serviceCaller", () => {
  it("names no service for a request without a token", async () => {
    expect(await serviceCaller(request())).toBeNull();
  });

  it.each(["Basic x", "Bearer a b", "Bearer", "token"])(
    "names no service, and throws nothing, for a malformed Authorization header (%s)",
    async (header) => {
      expect(await serviceCaller(request(header))).toBeNull();
    },
  );
});
