import { describe, expect, it } from "vitest";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { callRoute } from "@/lib/http/call-route";
import { type ContractTarget, tokenFor } from "@/lib/testing/contract-target";

const did = () => `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`;

/**
 * The identity contract, run against whatever serves it (the identity service or the legacy
 * runtime): the same requests must get answers of the same shape and meaning.
 */
export function identityContract(target: () => ContractTarget) {
  const call = async <R extends (typeof IDENTITY_ROUTES)[keyof typeof IDENTITY_ROUTES]>(
    route: R,
    request: Parameters<typeof callRoute<R>>[2],
  ) =>
    callRoute(target().baseUrl, route, request, {
      token: await tokenFor(target(), ["identity:read", "identity:write"]),
    });

  describe("identity contract", () => {
    it("registers a user and reads it back by id and by DID", async () => {
      const body = { did: did(), displayName: "Grace Hopper", roles: ["tutor" as const] };
      const created = await call(IDENTITY_ROUTES.registerUser, { body });
      expect(created.kind).toBe("success");
      if (created.kind !== "success") return;
      expect(created.body).toMatchObject(body);
      const byId = await call(IDENTITY_ROUTES.getUser, { params: { userId: created.body.id } });
      expect(byId).toMatchObject({ kind: "success", body: created.body });
      const byDid = await call(IDENTITY_ROUTES.resolveDid, { params: { did: body.did } });
      expect(byDid).toMatchObject({ kind: "success", body: created.body });
    });

    it("keeps a caller-chosen id, and refuses a DID twice with 409", async () => {
      const id = crypto.randomUUID();
      const body = { id, did: did(), displayName: "Alan", roles: ["student" as const] };
      expect(await call(IDENTITY_ROUTES.registerUser, { body })).toMatchObject({
        kind: "success",
        body: { id },
      });
      const again = await call(IDENTITY_ROUTES.registerUser, {
        body: { ...body, id: crypto.randomUUID() },
      });
      expect(again).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict" } },
      });
    });

    it("answers 404 for an unknown user and 400 for a bad body", async () => {
      const missing = await call(IDENTITY_ROUTES.getUser, {
        params: { userId: crypto.randomUUID() },
      });
      expect(missing).toMatchObject({ kind: "error", status: 404 });
      const bad = await call(IDENTITY_ROUTES.registerUser, {
        body: { did: "nope", displayName: "", roles: [] } as never,
      });
      expect(bad).toMatchObject({
        kind: "error",
        status: 400,
        body: { error: { code: "bad_request" } },
      });
    });

    it("lists users by role, page by page", async () => {
      const role = "institution" as const;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await call(IDENTITY_ROUTES.registerUser, {
          body: { did: did(), displayName: `Institution ${i}`, roles: [role] },
        });
        if (r.kind === "success") ids.push(r.body.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(IDENTITY_ROUTES.listUsers, { query: { role, limit: 2, cursor } });
        expect(page.kind).toBe("success");
        if (page.kind !== "success") return;
        expect(page.body.items.every((u) => u.roles.includes(role))).toBe(true);
        seen.push(...page.body.items.map((u) => u.id));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(expect.arrayContaining(ids));
      expect(new Set(seen).size).toBe(seen.length);
    });
  });
}
