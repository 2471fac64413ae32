import { describe, expect, it } from "vitest";
import { pickPort } from "./free-port";
import { httpAnswers, postgresAnswers, redisAnswers } from "./probes";

// Nothing listens on a port the system just handed out and released.
const closedPort = () => pickPort(0);

describe("probes", () => {
  it("find the PostgreSQL and Redis that run on this machine", async () => {
    expect(await postgresAnswers("postgres://postgres@127.0.0.1:5432/postgres")).toBe(true);
    expect(await redisAnswers("redis://127.0.0.1:6379")).toBe(true);
  });

  it("answer false quickly for a closed port", async () => {
    const port = await closedPort();
    const started = Date.now();
    expect(await postgresAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`)).toBe(false);
    expect(await redisAnswers(`redis://127.0.0.1:${port}`)).toBe(false);
    expect(await httpAnswers(`http://127.0.0.1:${port}/`)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("tell PostgreSQL from Redis", async () => {
    expect(await redisAnswers("redis://127.0.0.1:5432", 1000)).toBe(false);
    expect(await postgresAnswers("postgres://postgres@127.0.0.1:6379/postgres", 1000)).toBe(false);
  });
});
