import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/** An entity a client got a 2xx for, with what it sent, to be read back at the end. */
export type Acknowledged =
  | { kind: "user"; id: string; did: string; displayName: string; at: number }
  | {
      kind: "interaction";
      id: string;
      tutorId: string;
      studentId: string;
      content: string;
      at: number;
    }
  | { kind: "credential"; id: string; userId: string; title: string; at: number };

export type TrafficStats = { sent: number; ok: number; byStatus: Record<string, number> };

/**
 * Clients writing to every migrating domain through the gateway without pause: users register,
 * tutors and students record interactions, users add credentials to their passports. Every
 * entity answered 2xx is kept; anything else (a fenced write's 503, an interaction naming a user
 * the learning side has not heard of yet) is counted and not expected later.
 */
export function startTraffic(gatewayUrl: string, options: { clients: number; pauseMs: number }) {
  const acknowledged: Acknowledged[] = [];
  const stats: TrafficStats = { sent: 0, ok: 0, byStatus: {} };
  let running = true;
  const users = () =>
    acknowledged.filter((a): a is Extract<Acknowledged, { kind: "user" }> => a.kind === "user");

  async function send(path: string, body: unknown, client: string): Promise<boolean> {
    stats.sent += 1;
    try {
      const response = await fetch(`${gatewayUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-keiko-user": client },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
      if (response.status >= 200 && response.status < 300) {
        stats.ok += 1;
        return true;
      }
    } catch {
      stats.byStatus.network = (stats.byStatus.network ?? 0) + 1;
    }
    return false;
  }

  async function step(client: string, n: number): Promise<void> {
    const settled = users().filter((u) => Date.now() - u.at > 1_500);
    const choice = settled.length < 4 ? 0 : n % 3;
    if (choice === 0) {
      const id = randomUUID();
      const user = {
        id,
        did: `did:key:drill-${id}`,
        displayName: `Drill ${n}`,
        roles: ["tutor", "student"],
      };
      if (await send("/api/identity/v1/users", user, client)) {
        acknowledged.push({
          kind: "user",
          id,
          did: user.did,
          displayName: user.displayName,
          at: Date.now(),
        });
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
      if (await send("/api/learning/v1/interactions", body, client)) {
        acknowledged.push({
          kind: "interaction",
          id,
          tutorId: tutor.id,
          studentId: student.id,
          content: body.content,
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
      if (await send(`/api/passport/v1/passports/${user.id}/entries`, body, client)) {
        acknowledged.push({
          kind: "credential",
          id,
          userId: user.id,
          title: body.title,
          at: Date.now(),
        });
      }
    }
  }

  const loops = Array.from({ length: options.clients }, async (_, index) => {
    const client = `drill-client-${index}`;
    for (let n = index; running; n += options.clients) {
      await step(client, n);
      await sleep(options.pauseMs);
    }
  });

  return {
    acknowledged,
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
