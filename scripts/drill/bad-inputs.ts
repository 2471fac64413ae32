import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { sessionCookieName } from "@/server/auth/auth-options";
import { startSession } from "@/server/auth/operator-sessions";
import { createControlDb } from "@/server/db/client";
import type { OwnPlatform } from "./platform";
import { head, rawExchange } from "./raw-http";
import type { Acknowledged } from "./traffic";

export type BadInputResult = {
  target: "gateway" | "console";
  name: string;
  expected: string;
  status: number;
  ok: boolean;
  /** Why it failed: unexpected status, internal text in the answer, or the check after it. */
  problem?: string;
};

type Answer = { status: number; body: string };
type Case = {
  target: "gateway" | "console";
  name: string;
  expected: number[];
  send(): Promise<Answer>;
  /** A check after the answer (a forged header must not have changed what happened). */
  after?(answer: Answer): Promise<string | undefined>;
};

/** What an answer must never show: stack frames, driver and Redis errors, script SHAs. */
const INTERNAL_TEXT =
  /(\bat \S+\.[cm]?[jt]s:\d+|\.ts:\d+:\d+|Maximum call stack|TypeError|ReferenceError|SyntaxError: Unexpected|ECONNREFUSED|ERR_[A-Z_]+|ReplyError|NOSCRIPT|WRONGTYPE|ERR Invalid stream ID|syntax error at or near|relation "|violates .* constraint|\b[0-9a-f]{40}\b)/;

async function fetchAnswer(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/**
 * A streamed oversized body races the refusal: the server answers and closes while the client
 * still writes, and the reset can wipe the answer before it is read. A reset is retried (twice).
 */
async function withoutResets(send: () => Promise<Answer>): Promise<Answer> {
  let answer = await send();
  for (let attempt = 0; attempt < 2 && answer.status === 0; attempt += 1) answer = await send();
  return answer;
}

const trpcInput = (json: unknown) => `?input=${encodeURIComponent(JSON.stringify({ json }))}`;

/**
 * Bad inputs against the gateway and the console's tRPC endpoint (the cases of issue 8 and
 * more): each must get its expected status, never a 5xx, and no internal text. Forged internal
 * headers on writes must change nothing: those writes are returned as acknowledged so the
 * ledger checks their effects like any other.
 */
export async function runBadInputs(platform: OwnPlatform, users: readonly Acknowledged[]) {
  const gateway = platform.gatewayUrl;
  const consoleUrl = platform.consoleUrl;
  const forgedWrites: Acknowledged[] = [];
  const known = users.filter((u) => u.kind === "user" && Date.now() - u.at > 3_000);
  const { db, pool } = createControlDb(databaseUrlFor(platform.serverUrl, "keiko_control"), 2);
  const { rows } = await pool.query<{ id: string }>(
    "select id from operators where username = $1",
    [platform.admin.username],
  );
  const adminId = rows[0]?.id as string;
  const sid = await startSession(
    db,
    { id: adminId, username: platform.admin.username },
    { maxAgeSeconds: 3600, clientAddress: "127.0.0.1", via: "password" },
  );
  const sessionToken = await encode({
    token: { sid, operatorId: adminId },
    secret: platform.nextauthSecret,
    maxAge: 3600,
  });
  const session = `${sessionCookieName(false)}=${sessionToken}`;
  await pool.end();
  const forgedToken = await issueServiceToken({
    key: sharedSecretKey("a-secret-that-is-not-the-platform-one!!!!"),
    subject: "slo-guard",
    audience: "control-plane",
    serviceType: "worker",
    permissions: ["migration:rollback"],
  });
  const registration = (id = randomUUID()) =>
    JSON.stringify({ id, did: `did:key:bad-${id}`, displayName: "Bad input", roles: ["student"] });
  const usersPath = "/api/identity/v1/users";
  const board = `${consoleUrl}/api/trpc/migration.board`;
  const transition = `${consoleUrl}/api/trpc/migration.transition`;
  const mutation = (body: string, headers: Record<string, string> = {}) =>
    fetchAnswer(transition, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: consoleUrl,
        cookie: session,
        ...headers,
      },
      body,
    });
  const postUser = (headers: string[], body = registration(), wait = false) =>
    rawExchange(gateway, {
      head: head("POST", usersPath, [
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        ...headers,
      ]),
      body,
      waitForContinue: wait,
    });
  const big = "x".repeat(2 * 1024 * 1024);

  const cases: Case[] = [
    {
      target: "gateway",
      name: "Expect: 100-continue on a registration",
      expected: [201],
      send: () =>
        postUser(["Expect: 100-continue", "X-Keiko-User: bad-expect"], registration(), true),
    },
    {
      target: "gateway",
      name: "Expect: 100-continue ×10, anonymous",
      expected: [201],
      async send() {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            postUser(["Expect: 100-continue"], registration(), true),
          ),
        );
        return answers.find((a) => a.status !== 201) ?? (answers[0] as Answer);
      },
    },
    {
      target: "gateway",
      name: "Expect: tea",
      expected: [417],
      send: () => rawExchange(gateway, { head: head("GET", usersPath, ["Expect: tea"]) }),
    },
    {
      target: "gateway",
      // answered from the declared length: the body waits 1 s and is never needed
      name: "Content-Length of 2 MB (limit 1 MB)",
      expected: [413],
      send: () => postUser([], big, true),
    },
    {
      target: "gateway",
      name: "2 MB body announced with Expect",
      expected: [413],
      send: () => postUser(["Expect: 100-continue"], big, true),
    },
    {
      target: "gateway",
      name: "2 MB chunked body",
      expected: [413],
      send: () =>
        withoutResets(() =>
          rawExchange(gateway, {
            head: head("POST", usersPath, [
              "Content-Type: application/json",
              "Transfer-Encoding: chunked",
            ]),
            body: `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
          }),
        ),
    },
    {
      target: "gateway",
      name: "JSON nested 10 000 deep",
      expected: [400],
      send: () => postUser([], nested(10_000)),
    },
    {
      target: "gateway",
      name: "malformed JSON",
      expected: [400],
      send: () => postUser([], '{"id": '),
    },
    {
      target: "gateway",
      name: "two Content-Lengths",
      expected: [400],
      send: () =>
        rawExchange(gateway, {
          head: head("POST", usersPath, ["Content-Length: 2", "Content-Length: 3"]),
          body: "{}",
        }),
    },
    {
      target: "gateway",
      name: "Content-Length with chunked (smuggling)",
      expected: [400],
      send: () =>
        rawExchange(gateway, {
          head: head("POST", usersPath, ["Content-Length: 2", "Transfer-Encoding: chunked"]),
          body: "2\r\n{}\r\n0\r\n\r\n",
        }),
    },
    {
      target: "gateway",
      name: "space in a header name",
      expected: [400],
      send: () => rawExchange(gateway, { head: head("GET", usersPath, ["X Note: 1"]) }),
    },
    {
      target: "gateway",
      name: "control character in a header",
      expected: [400],
      send: () => rawExchange(gateway, { head: head("GET", usersPath, ["X-Note: a\x7fb"]) }),
    },
    {
      target: "gateway",
      name: "20 KB header",
      expected: [431],
      send: () =>
        rawExchange(gateway, { head: head("GET", usersPath, [`X-Big: ${"a".repeat(20_000)}`]) }),
    },
    {
      target: "gateway",
      name: "absolute-form request target",
      expected: [400],
      send: () =>
        rawExchange(gateway, { head: head("GET", `http://elsewhere.example${usersPath}`) }),
    },
    {
      target: "gateway",
      name: "dot segments in the path",
      expected: [400],
      send: () =>
        rawExchange(gateway, { head: head("GET", "/api/identity/v1/../../learning/v1/x") }),
    },
    {
      target: "gateway",
      name: "encoded dot segments (%2e%2e)",
      expected: [400],
      send: () => rawExchange(gateway, { head: head("GET", "/api/identity/v1/%2e%2e/secret") }),
    },
    {
      target: "gateway",
      name: "NUL in the path",
      expected: [400],
      send: () => rawExchange(gateway, { head: head("GET", `${usersPath}/%00`) }),
    },
    {
      target: "gateway",
      name: "no such domain",
      expected: [404],
      send: () => fetchAnswer(`${gateway}/api/nowhere/v1/x`),
    },
    {
      target: "gateway",
      name: "bad id (not a UUID)",
      expected: [400, 404],
      send: () => fetchAnswer(`${gateway}${usersPath}/not-a-uuid`),
    },
    {
      target: "gateway",
      name: "bad id in a passport path",
      expected: [400, 404],
      send: () => fetchAnswer(`${gateway}/api/passport/v1/passports/1%27%20or%201=1/entries`),
    },
    {
      target: "gateway",
      name: "unknown user id",
      expected: [404],
      send: () => fetchAnswer(`${gateway}${usersPath}/${randomUUID()}`),
    },
    {
      target: "gateway",
      name: "forged x-keiko-force-side, no token",
      expected: [403],
      send: () =>
        fetchAnswer(`${gateway}${usersPath}`, { headers: { "x-keiko-force-side": "service" } }),
    },
    {
      target: "gateway",
      name: "forged x-keiko-force-side, garbage token",
      expected: [403],
      send: () =>
        fetchAnswer(`${gateway}${usersPath}`, {
          headers: { "x-keiko-force-side": "legacy", "x-keiko-operator-token": "not-a-jwt" },
        }),
    },
    {
      target: "gateway",
      name: "x-keiko-force-side: sideways",
      expected: [400],
      send: () =>
        fetchAnswer(`${gateway}${usersPath}`, { headers: { "x-keiko-force-side": "sideways" } }),
    },
    {
      target: "gateway",
      name: "x-keiko-user with a space",
      expected: [400],
      send: () => rawExchange(gateway, { head: head("GET", usersPath, ["X-Keiko-User: a b"]) }),
    },
    {
      target: "gateway",
      name: "x-keiko-user of 300 chars",
      expected: [400],
      send: () =>
        fetchAnswer(`${gateway}${usersPath}`, { headers: { "x-keiko-user": "x".repeat(300) } }),
    },
    {
      target: "gateway",
      name: "malformed Authorization (Bearer a b)",
      expected: [200],
      send: () =>
        fetchAnswer(`${gateway}${usersPath}?limit=1`, { headers: { authorization: "Bearer a b" } }),
    },
    {
      target: "gateway",
      name: "forged x-keiko-shadow / -internal / -upstream on a registration",
      expected: [201],
      async send() {
        const id = randomUUID();
        const answer = await fetchAnswer(`${gateway}${usersPath}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-keiko-user": "bad-forged",
            "x-keiko-shadow": "1",
            "x-keiko-internal": "1",
            "x-keiko-upstream": "service",
          },
          body: registration(id),
        });
        if (answer.status === 201) forgedWrites.push({ kind: "user", id, at: Date.now() });
        return answer;
      },
      async after() {
        const last = forgedWrites.at(-1);
        if (!last) return undefined;
        const read = await fetchAnswer(`${gateway}${usersPath}/${last.id}`);
        return read.status === 200
          ? undefined
          : `the write was acknowledged but reads ${read.status}`;
      },
    },
    {
      target: "gateway",
      name: "forged x-keiko-legacy-effects on interactions (8 routing keys)",
      expected: [201],
      async send() {
        const pairs = known.slice(-16);
        let worst: Answer = { status: 201, body: "" };
        for (let i = 0; i + 1 < pairs.length && i < 16; i += 2) {
          const [tutor, student] = [pairs[i], pairs[i + 1]] as Acknowledged[];
          const id = randomUUID();
          const answer = await fetchAnswer(`${gateway}/api/learning/v1/interactions`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-keiko-user": `bad-effects-${i}`,
              "x-keiko-legacy-effects": "",
              "x-keiko-shadow": "1",
            },
            body: JSON.stringify({
              id,
              type: "lesson",
              content: "forged headers",
              durationSeconds: 60,
              tutorId: tutor?.id,
              studentId: student?.id,
            }),
          });
          if (answer.status === 201 && tutor && student) {
            forgedWrites.push({
              kind: "interaction",
              id,
              tutorId: tutor.id,
              studentId: student.id,
              at: Date.now(),
            });
          } else worst = answer;
        }
        return worst;
      },
    },
    {
      target: "gateway",
      name: "DELETE on a collection",
      expected: [404, 405],
      send: () => fetchAnswer(`${gateway}${usersPath}`, { method: "DELETE" }),
    },
    {
      target: "gateway",
      name: "after all of the above: a good registration",
      expected: [201],
      send: () => postUser(["X-Keiko-User: bad-after"]),
    },

    {
      target: "console",
      name: "Authorization: Basic x",
      expected: [401],
      send: () => fetchAnswer(board, { headers: { authorization: "Basic x" } }),
    },
    {
      target: "console",
      name: "Authorization: Bearer a b",
      expected: [401],
      send: () => fetchAnswer(board, { headers: { authorization: "Bearer a b" } }),
    },
    {
      target: "console",
      name: "Authorization: Bearer not-a-jwt",
      expected: [401],
      send: () => fetchAnswer(board, { headers: { authorization: "Bearer not-a-jwt" } }),
    },
    {
      target: "console",
      name: "service token signed with another secret",
      expected: [401],
      send: () => fetchAnswer(board, { headers: { authorization: `Bearer ${forgedToken}` } }),
    },
    {
      target: "console",
      name: "Authorization: Basic x with a valid session",
      expected: [200, 400, 401],
      send: () => fetchAnswer(board, { headers: { authorization: "Basic x", cookie: session } }),
    },
    {
      target: "console",
      name: "forged session cookie",
      expected: [401],
      send: () =>
        fetchAnswer(board, {
          headers: { cookie: `${sessionCookieName(false)}=forged.${"a".repeat(40)}` },
        }),
    },
    {
      target: "console",
      name: "valid session (control)",
      expected: [200],
      send: () => fetchAnswer(board, { headers: { cookie: session } }),
    },
    {
      target: "console",
      name: "dead-letter id of twenty 9s",
      expected: [400],
      send: () =>
        fetchAnswer(
          `${consoleUrl}/api/trpc/dlq.get${trpcInput({ aggregateType: "user", id: "99999999999999999999" })}`,
          { headers: { cookie: session } },
        ),
    },
    {
      target: "console",
      name: "dead-letter id 2^64-0",
      expected: [400],
      send: () =>
        fetchAnswer(
          `${consoleUrl}/api/trpc/dlq.get${trpcInput({ aggregateType: "user", id: "18446744073709551616-0" })}`,
          { headers: { cookie: session } },
        ),
    },
    {
      target: "console",
      name: "unknown domain name",
      expected: [400],
      send: () =>
        fetchAnswer(`${consoleUrl}/api/trpc/migration.get${trpcInput({ domain: "nope" })}`, {
          headers: { cookie: session },
        }),
    },
    {
      target: "console",
      name: "10 MB body",
      expected: [413],
      send: () => mutation(`{"json":"${"x".repeat(10 * 1024 * 1024)}"}`),
    },
    {
      target: "console",
      name: "body nested 10 000 deep",
      expected: [400],
      send: () => mutation(`{"json":${nested(10_000)}}`),
    },
    {
      target: "console",
      name: "input nested 1 000 deep in the query",
      expected: [400],
      send: () =>
        fetchAnswer(`${board}?input=${encodeURIComponent(`{"json":${nested(1_000)}}`)}`, {
          headers: { cookie: session },
        }),
    },
    {
      target: "console",
      name: "malformed JSON body",
      expected: [400],
      send: () => mutation('{"json": '),
    },
    {
      target: "console",
      name: "mutation from a foreign Origin",
      expected: [403],
      send: () => mutation('{"json":{}}', { origin: "https://evil.example" }),
    },
    {
      target: "console",
      name: "unknown procedure",
      expected: [404],
      send: () =>
        fetchAnswer(`${consoleUrl}/api/trpc/nope.nothing`, { headers: { cookie: session } }),
    },
    {
      target: "console",
      name: "mutation called with GET",
      expected: [405],
      send: () => fetchAnswer(transition, { headers: { cookie: session } }),
    },
  ];

  const results: BadInputResult[] = [];
  for (const c of cases) {
    const answer = await c.send();
    let problem: string | undefined;
    if (!c.expected.includes(answer.status))
      problem = `got ${answer.status}: ${answer.body.slice(0, 160)}`;
    const leak = INTERNAL_TEXT.exec(answer.body);
    if (leak) problem = `internal text in the answer: ${leak[0]}`;
    if (!problem && c.after) problem = await c.after(answer);
    results.push({
      target: c.target,
      name: c.name,
      expected: c.expected.join("/"),
      status: answer.status,
      ok: problem === undefined,
      problem,
    });
  }
  return { results, forgedWrites };
}
