import { createServer } from "node:http";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { closeServer, listen } from "./http-server";

describe("closeServer", () => {
  it("lets a request in flight finish, drops idle keep-alive, and cuts a stream at the grace", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/slow") setTimeout(() => res.end("done"), 800);
      else if (req.url === "/stream")
        res.write("data: 1\n\n"); // never ends, as an event stream
      else res.end("ok");
    });
    const port = await listen(server, 0, "127.0.0.1");
    const base = `http://127.0.0.1:${port}`;
    const keepAlive = new Agent({ keepAliveTimeout: 60_000 });
    await (await request(`${base}/`, { dispatcher: keepAlive })).body.text(); // now idle, kept alive
    const stream = await request(`${base}/stream`, { dispatcher: new Agent() });
    const streamEnded = stream.body.text().then(
      () => "ended",
      () => "cut",
    );
    const slow = request(`${base}/slow`, { dispatcher: new Agent() }).then((r) => r.body.text());
    await new Promise((resolve) => setTimeout(resolve, 100));

    const began = Date.now();
    await closeServer(server, 1_500);
    const took = Date.now() - began;

    expect(await slow).toBe("done");
    expect(await streamEnded).toBe("cut");
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(5_000);
    await keepAlive.close();
  });

  it("returns once the request in flight is answered, though its client keeps the connection", async () => {
    const server = createServer((_req, res) => setTimeout(() => res.end("done"), 800));
    server.keepAliveTimeout = 65_000; // as the services set it: the idle socket outlives the test
    const port = await listen(server, 0, "127.0.0.1");
    const keepAlive = new Agent({ keepAliveTimeout: 60_000 });
    const slow = request(`http://127.0.0.1:${port}/`, { dispatcher: keepAlive }).then((r) =>
      r.body.text(),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    const began = Date.now();
    await closeServer(server, 8_000);

    expect(await slow).toBe("done");
    expect(Date.now() - began).toBeLessThan(3_000);
    await keepAlive.close();
  });
});
