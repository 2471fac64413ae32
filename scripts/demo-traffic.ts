/**
 * Demo traffic through the gateway, so the console's dashboards move:
 *   npx tsx scripts/demo-traffic.ts [--rps 20] [--seconds 120] [--gateway http://127.0.0.1:8080]
 * It registers a few users, then mixes reads and writes across the domains, each request on
 * behalf of one of them (`x-keiko-user`, which the gateway's canary split is sticky on).
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "20" },
    seconds: { type: "string", default: "120" },
    gateway: { type: "string", default: process.env.GATEWAY_URL ?? "http://127.0.0.1:8080" },
  },
});
const rps = Number(values.rps);
const seconds = Number(values.seconds);
const base = values.gateway;
if (!(rps > 0 && rps <= 2_000) || !(seconds > 0)) {
  console.error("--rps must be 1–2000 and --seconds positive");
  process.exit(2);
}

const counts = new Map<string, number>();
const count = (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1);

async function send(method: string, path: string, user: string, body?: unknown) {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-keiko-user": user },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    count(String(response.status));
    return response;
  } catch {
    count("network error");
    return null;
  }
}

const did = () => `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`;
const users: string[] = [];
for (let i = 0; i < 10; i++) {
  const id = crypto.randomUUID();
  const response = await send("POST", "/api/identity/v1/users", id, {
    id,
    did: did(),
    displayName: `Demo user ${i}`,
    roles: i % 2 === 0 ? ["tutor"] : ["student"],
  });
  if (response?.ok) users.push(id);
}
if (users.length < 2) {
  console.error(`could not register demo users through ${base}; is the platform up (npm start)?`);
  process.exit(1);
}

const pick = () => users[Math.floor(Math.random() * users.length)] as string;
const actions = [
  () => send("GET", `/api/identity/v1/users/${pick()}`, pick()),
  () => send("GET", `/api/reputation/v1/scores/${pick()}`, pick()),
  () => send("GET", `/api/passport/v1/passports/${pick()}`, pick()),
  () => send("GET", "/api/learning/v1/interactions?limit=5", pick()),
  () => {
    const tutor = users[0] as string;
    const student = users[1] as string;
    return send("POST", "/api/learning/v1/interactions", student, {
      type: "lesson",
      content: "demo lesson",
      durationSeconds: 600,
      tutorId: tutor,
      studentId: student,
    });
  },
];

const end = Date.now() + seconds * 1000;
const report = setInterval(() => console.log(JSON.stringify(Object.fromEntries(counts))), 5_000);
while (Date.now() < end) {
  const tick = Date.now();
  for (let i = 0; i < rps; i++)
    void (actions[Math.floor(Math.random() * actions.length)] as () => unknown)();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - tick))));
}
clearInterval(report);
console.log(`done: ${JSON.stringify(Object.fromEntries(counts))}`);
