import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/** What a client got a 2xx for, to be looked for afterwards. */
export type Acknowledged =
  | { kind: "user"; id: string; at: number }
  | { kind: "interaction"; id: string; tutorId: string; studentId: string; at: number }
  | { kind: "credential"; id: string; userId: string; at: number };

/** One client request: when it ended and how (status 0: no answer at all). */
export type Outcome = {
  endedAt: number;
  status: number;
  kind: Acknowledged["kind"];
  /** The gateway's x-keiko-upstream: which side answered. */
  upstream?: string;
};

/**
 * Clients writing through the gateway without pause, as integration/data-sync/drill/traffic.ts
 * does (users register; tutors and students record interactions; users add credentials), with
 * each request's outcome kept, so a fault's failures and its recovery can be read off a window.
 */
export function startTraffic(gatewayUrl: string, options: { clients: number; pauseMs: number }) {
  const acknowledged: Acknowledged[] = [];
  const outcomes: Outcome[] = [];
  const users: Array<Extract<Acknowledged, { kind: "user" }>> = [];
  let running = true;
  /** The status of the request that ended last, whichever client sent it. */
  let lastStatus = 200;

  async function send(path: string, body: unknown, client: string, kind: Outcome["kind"]) {
    let status = 0;
    let upstream: string | undefined;
    try {
      const response = await fetch(`${gatewayUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-keiko-user": client },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer();
      status = response.status;
      upstream = response.headers.get("x-keiko-upstream") ?? undefined;
    } catch {
      status = 0;
    }
    outcomes.push({ endedAt: Date.now(), status, kind, upstream });
    lastStatus = status;
    return status >= 200 && status < 300;
  }

  async function step(client: string, n: number): Promise<void> {
    // a user registered 1.5 s ago is known everywhere by now (events take milliseconds)
    const settled = users.filter((u) => Date.now() - u.at > 1_500);
    const choice = settled.length < 4 ? 0 : n % 3;
    if (choice === 0) {
      const id = randomUUID();
      const user = {
        id,
        did: `did:key:drill-${id}`,
        displayName: `Drill ${n}`,
        roles: ["tutor", "student"],
      };
      if (await send("/api/identity/v1/users", user, client, "user")) {
        const entry = { kind: "user" as const, id, at: Date.now() };
        acknowledged.push(entry);
        users.push(entry);
      }
    } else if (choice === 1) {
      const tutor = settled[n % settled.length];
      const student = settled[(n * 7 + 1) % settled.length];
      if (!tutor || !student || tutor.id === student.id) return;
      const id = randomUUID();
      const body = {
        id,
        type: "lesson",
        content: `Drill lesson ${n}`,
        durationSeconds: 600,
        tutorId: tutor.id,
        studentId: student.id,
      };
      if (await send("/api/learning/v1/interactions", body, client, "interaction")) {
        acknowledged.push({
          kind: "interaction",
          id,
          tutorId: tutor.id,
          studentId: student.id,
          at: Date.now(),
        });
      }
    } else {
      const user = settled[(n * 5) % settled.length];
      if (!user) return;
      const id = randomUUID();
      const body = {
        id,
        kind: "credential",
        title: `Drill credential ${n}`,
        occurredAt: new Date().toISOString(),
      };
      if (await send(`/api/passport/v1/passports/${user.id}/entries`, body, client, "credential")) {
        acknowledged.push({ kind: "credential", id, userId: user.id, at: Date.now() });
      }
    }
  }

  const loops = Array.from({ length: options.clients }, async (_, index) => {
    for (let n = index; running; n += options.clients) {
      // eight routing keys per client: a canary's sticky share gets some of every client's writes
      await step(`drill-client-${index}-${n % 8}`, n);
      // while requests fail, clients wait a little longer before the next, as real ones do
      const failing = lastStatus === 0 || lastStatus >= 500;
      await sleep(failing ? options.pauseMs * 4 : options.pauseMs);
    }
  });

  return {
    acknowledged,
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

export type Traffic = ReturnType<typeof startTraffic>;
