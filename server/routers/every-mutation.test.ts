import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(() => fx?.close());

type Caller = ControlFixture["viewer"];
type Procedures = Record<string, { _def: { type: string } }>;

/** Every mutation of the router, found from the router itself: a new one is checked without a line here. */
const mutations = Object.entries(appRouter._def.procedures as unknown as Procedures)
  .filter(([, procedure]) => procedure._def.type === "mutation")
  .map(([path]) => path);

/** Mutations a viewer may call: none changes the platform's state. */
const VIEWER_MUTATIONS = new Set<string>();

function call(caller: Caller, path: string): Promise<unknown> {
  const target = path
    .split(".")
    .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], caller);
  return (target as (input: unknown) => Promise<unknown>)({});
}

describe("every tRPC mutation checks the caller on the server", () => {
  it("finds the mutations of every router", () => {
    expect(mutations).toEqual(
      expect.arrayContaining([
        "migration.transition",
        "gitops.sync",
        "gitops.rollbackDomain",
        "wall.createToken",
        "wall.revokeToken",
        "dlq.replay",
      ]),
    );
  });

  for (const path of mutations) {
    it(`${path}: refused without a session, before its input is read`, async () => {
      await expect(call(fx.anonymous, path)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    });
    if (!VIEWER_MUTATIONS.has(path)) {
      it(`${path}: refused to a viewer`, async () => {
        await expect(call(fx.viewer, path)).rejects.toMatchObject({
          code: expect.stringMatching(/^(FORBIDDEN|UNAUTHORIZED)$/),
        });
      });
    }
  }
});
