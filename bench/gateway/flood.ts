/**
 * A flood of requests the gateway answers itself, run by run.ts in a child process of its own
 * (so it does not take the load generator's thread): `FLOOD_URL=http://127.0.0.1:N FLOOD_S=12
 * FLOOD_CONNECTIONS=25 node --import tsx bench/gateway/flood.ts`. It cycles through an unknown
 * domain (404), a malformed path (400) and a body declared over the limit (413, the gateway
 * closes the connection) and prints `{"requests":…,"statuses":{…}}` at the end.
 */
import autocannon from "autocannon";

const url = process.env.FLOOD_URL ?? "";
const seconds = Number(process.env.FLOOD_S ?? 12);
const connections = Number(process.env.FLOOD_CONNECTIONS ?? 25);
const statuses: Record<string, number> = {};
const run = autocannon({
  url,
  connections,
  duration: seconds,
  timeout: 10,
  requests: [
    { method: "GET", path: "/api/nowhere/v1/anything" },
    { method: "GET", path: "/api/learning/v1/%zz" },
    { method: "GET", path: "/api/nowhere/v1/anything" },
    {
      method: "POST",
      path: "/api/learning/v1/courses",
      headers: { "content-type": "application/json", "content-length": "50000000" },
    },
  ],
});
run.on("response", (_client: unknown, status: number) => {
  statuses[status] = (statuses[status] ?? 0) + 1;
});
const result = await run;
console.log(JSON.stringify({ requests: result.requests.total, statuses }));
