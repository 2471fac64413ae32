import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import type { z } from "zod";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import {
  type GuardPromoteInputSchema,
  type GuardRollbackInputSchema,
  type GuardState,
  GuardStateSchema,
} from "@/lib/contracts/guard";
import type { TimelineRecordInput } from "@/lib/contracts/timeline";
import { bearerHeader } from "@/lib/http/bearer-token";
import type { AppRouter } from "@/server/routers/index";

export type GuardRollbackInput = z.input<typeof GuardRollbackInputSchema>;
export type GuardPromoteInput = z.input<typeof GuardPromoteInputSchema>;

/** What the guard needs from the control plane (`internal.*` procedures). */
export interface GuardControlPlane {
  guardState(): Promise<GuardState>;
  rollback(input: GuardRollbackInput): Promise<void>;
  promote(input: GuardPromoteInput): Promise<void>;
  /** Records what the timeline watcher saw; absent: the guard watches nothing for the timeline. */
  recordTimeline?(input: TimelineRecordInput): Promise<void>;
}

/** The guard's identity towards the control plane. */
export const GUARD_TOKEN_CLAIMS = {
  subject: "slo-guard",
  audience: "control-plane",
  serviceType: "worker",
  permissions: ["migration:rollback", "rollout:promote", "timeline:record"],
} as const;

const TOKEN_LIFETIME_SECONDS = 60;
// Reissued well before expiry so a token never dies between signing and the server's check.
const TOKEN_REFRESH_SECONDS = 30;

export type ControlPlaneClientOptions = {
  /** The console's base URL, e.g. http://127.0.0.1:3000; procedures are under /api/trpc. */
  url: string;
  serviceTokenSecret: string;
  /** A call slower than this is abandoned (and retried by the next evaluation). */
  timeoutMs?: number;
};

/** The control plane over tRPC (superjson, service JWT in `Authorization: Bearer`). */
export function createControlPlaneClient(options: ControlPlaneClientOptions): GuardControlPlane {
  const key = sharedSecretKey(options.serviceTokenSecret);
  let token: { value: string; renewAtMs: number } | null = null;
  async function authorization(): Promise<string> {
    if (!token || Date.now() >= token.renewAtMs) {
      const value = await issueServiceToken({
        key,
        ...GUARD_TOKEN_CLAIMS,
        lifetimeSeconds: TOKEN_LIFETIME_SECONDS,
      });
      token = { value, renewAtMs: Date.now() + TOKEN_REFRESH_SECONDS * 1000 };
    }
    return bearerHeader(token.value);
  }
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${options.url.replace(/\/+$/, "")}/api/trpc`,
        transformer: superjson,
        headers: async () => ({ authorization: await authorization() }),
      }),
    ],
  });
  // A rollback waits behind its write fence for the data to drain (at most 5 s,
  // server/data/write-fence.ts): the call must outlive that bound, or the guard retries a
  // rollback that is still running.
  const timeoutMs = options.timeoutMs ?? 8_000;
  const signal = () => AbortSignal.timeout(timeoutMs);
  return {
    async guardState() {
      return GuardStateSchema.parse(
        await client.internal.guardState.query(undefined, { signal: signal() }),
      );
    },
    async rollback(input) {
      await client.internal.rollback.mutate(input, { signal: signal() });
    },
    async promote(input) {
      await client.internal.promote.mutate(input, { signal: signal() });
    },
    async recordTimeline(input) {
      await client.internal.recordTimeline.mutate(input, { signal: signal() });
    },
  };
}
