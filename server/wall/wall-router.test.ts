import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveRuntime } from "@/server/live/live-runtime";
import { createCaller } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { createContext } from "@/server/trpc";
import { verifyWallToken } from "./wall-tokens";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
}, 60_000);
afterAll(() => fx?.close());

/** A caller as the route handler builds it for a kiosk: no operator, a verified wall token. */
async function kiosk(secret: string) {
  const wall = await verifyWallToken(fx.db, secret);
  return createCaller({ ...createContext(fx.db, fx.bus, null), wall });
}

type WallEvent = { wall: { domains: { name: string; state: string }[] } | null };

/** A tracked event as an in-process caller yields it: the envelope [id, data]. */
function payload(value: unknown): WallEvent {
  return (value as [string, WallEvent])[1];
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof TRPCError ? error.code : String(error);
  }
}

describe("wall tokens", () => {
  it("are created and revoked by admins only, stored as a SHA-256, and audited", async () => {
    expect(await codeOf(fx.operator.wall.createToken({ name: "ops TV" }))).toBe("FORBIDDEN");
    expect(await codeOf(fx.anonymous.wall.tokens())).toBe("UNAUTHORIZED");
    expect(await codeOf(fx.admin.wall.createToken({ name: "x" }))).toBe("BAD_REQUEST");
    expect(await codeOf(fx.admin.wall.createToken({ name: "ops TV", days: 400 }))).toBe(
      "BAD_REQUEST",
    );

    const token = await fx.admin.wall.createToken({ name: "ops TV", days: 7 });
    expect(token.secret).toMatch(/^kw_[A-Za-z0-9_-]{32}$/);
    const { rows } = await fx.pool.query("select token_hash from wall_tokens where id = $1", [
      token.id,
    ]);
    expect(rows[0].token_hash).toBe(createHash("sha256").update(token.secret).digest("hex"));
    expect(JSON.stringify(await fx.admin.wall.tokens())).not.toContain(token.secret);

    await fx.admin.wall.revokeToken({ id: token.id });
    expect(await verifyWallToken(fx.db, token.secret)).toBeNull();
    expect(await codeOf(fx.admin.wall.revokeToken({ id: token.id }))).toBe("NOT_FOUND");
    const audit = await fx.pool.query(
      "select actor, action from audit_log where target = $1 order by id",
      [`wall-token:${token.id}`],
    );
    expect(audit.rows).toEqual([
      { actor: "test-admin", action: "wall-token.create" },
      { actor: "test-admin", action: "wall-token.revoke" },
    ]);
  });

  it("grant the wall's data and nothing else", async () => {
    const { secret } = await fx.admin.wall.createToken({ name: "hall" });
    const wall = await kiosk(secret);
    const snapshot = await wall.live.wallSnapshot();
    expect(snapshot.domains).toHaveLength(6);
    expect(await codeOf(wall.migration.board())).toBe("UNAUTHORIZED");
    expect(await codeOf(wall.wall.tokens())).toBe("UNAUTHORIZED");
    expect(await codeOf(wall.live.producer())).toBe("UNAUTHORIZED");
    expect(await codeOf(fx.anonymous.live.wallSnapshot())).toBe("UNAUTHORIZED");
    expect(await codeOf(fx.viewer.live.wallSnapshot())).toBe("resolved");
  });

  it("stop working when they expire", async () => {
    const { id, secret } = await fx.admin.wall.createToken({ name: "lobby" });
    expect(await verifyWallToken(fx.db, secret)).not.toBeNull();
    await fx.pool.query(
      "update wall_tokens set expires_at = now() - interval '1 second' where id = $1",
      [id],
    );
    expect(await verifyWallToken(fx.db, secret)).toBeNull();
    expect(await verifyWallToken(fx.db, "kw_not-a-real-token-at-all-000000000")).toBeNull();
  });
});

describe("the wall's subscription", () => {
  it("pushes a change made in another session, and ends a kiosk's stream when its token is revoked", async () => {
    const { id, secret } = await fx.admin.wall.createToken({ name: "war room" });
    const wall = await kiosk(secret);
    const stream = (await wall.live.wall())[Symbol.asyncIterator]();
    const first = await stream.next();
    expect(first.done).toBe(false);

    const { domain } = await fx.viewer.migration.get({ domain: "governance" });
    await fx.operator.migration.transition({
      domain: "governance",
      to: "shadow",
      reason: "wall test",
      expectedVersion: domain.version,
    });
    const started = Date.now();
    let state: string | undefined;
    while (state !== "shadow") {
      const { value } = await stream.next();
      state = payload(value).wall?.domains.find((d) => d.name === "governance")?.state ?? state;
    }
    expect(Date.now() - started).toBeLessThan(1_000);

    await fx.admin.wall.revokeToken({ id });
    let ended: unknown = null;
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
      }
    } catch (error) {
      ended = error;
    }
    expect(ended).toBeInstanceOf(TRPCError);
    expect((ended as TRPCError).code).toBe("UNAUTHORIZED");
    const { hub, watch } = liveRuntime(fx.db, fx.bus);
    expect(hub.listenerCount).toBe(0);
    expect(watch.watcherCount).toBe(0);
  });

  it("ends a kiosk's stream when its token is revoked by another console process", async () => {
    const { id, secret } = await fx.admin.wall.createToken({ name: "annex" });
    const stream = (await (await kiosk(secret)).live.wall())[Symbol.asyncIterator]();
    await stream.next();
    // another replica revokes it: only the shared periodic check can notice
    await fx.pool.query(
      "update wall_tokens set revoked_at = now(), revoked_by = 'x' where id = $1",
      [id],
    );
    const started = Date.now();
    const code = await codeOf(
      (async () => {
        for (;;) if ((await stream.next()).done) return;
      })(),
    );
    expect(code).toBe("UNAUTHORIZED");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("leaves no listener behind after many subscriptions open and close", async () => {
    const { hub, watch } = liveRuntime(fx.db, fx.bus);
    const baseline = hub.listenerCount;
    const { secret } = await fx.admin.wall.createToken({ name: "churn" });
    const wall = await kiosk(secret);
    for (let round = 0; round < 100; round += 1) {
      const caller = round % 2 === 0 ? wall : fx.viewer;
      const iterable = round % 4 === 1 ? await caller.live.changes() : await caller.live.wall();
      const stream = iterable[Symbol.asyncIterator]();
      await stream.next();
      await stream.return?.(undefined);
    }
    expect(hub.listenerCount).toBe(baseline);
    expect(watch.watcherCount).toBe(0);
    expect(hub.running).toBe(baseline > 0);
  });
});
