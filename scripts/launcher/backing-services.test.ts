import { describe, expect, it } from "vitest";
import { providePostgres, provideRedis } from "./backing-services";
import { loadLauncherConfig } from "./config";
import { pickPort } from "./free-port";
import { Supervisor } from "./supervisor";

const config = (env: Record<string, string>) =>
  loadLauncherConfig({ PATH: "/usr/local/bin:/usr/bin:/bin", ...env }, process.cwd());

describe("choosing PostgreSQL and Redis", () => {
  it("uses the servers on localhost when they answer, starting nothing", async () => {
    const supervisor = new Supervisor(() => {});
    expect(await providePostgres(config({}), supervisor)).toEqual({
      url: "postgres://postgres@127.0.0.1:5432/postgres",
      description: "local server (127.0.0.1:5432)",
    });
    expect((await provideRedis(config({}), supervisor)).url).toBe("redis://127.0.0.1:6379");
    expect(supervisor.names).toEqual([]);
  });

  it("prefers DATABASE_URL and REDIS_URL", async () => {
    const supervisor = new Supervisor(() => {});
    const env = {
      DATABASE_URL: "postgresql://postgres@localhost:5432/postgres",
      REDIS_URL: "redis://localhost:6379/2",
      KEIKO_EMBEDDED: "1",
    };
    expect((await providePostgres(config(env), supervisor)).url).toBe(env.DATABASE_URL);
    expect((await provideRedis(config(env), supervisor)).url).toBe(env.REDIS_URL);
    expect(supervisor.names).toEqual([]);
  });

  it("stops with one line, without the password, when DATABASE_URL does not answer", async () => {
    const port = await pickPort(0);
    const env = { DATABASE_URL: `postgres://postgres:hunter2-secret@127.0.0.1:${port}/postgres` };
    const failure = providePostgres(config(env), new Supervisor(() => {}));
    await expect(failure).rejects.toThrow(
      `PostgreSQL at DATABASE_URL (127.0.0.1:${port}) does not answer`,
    );
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it("says how to install redis-server when it has to start one and there is none", async () => {
    const supervisor = new Supervisor(() => {});
    const env = { KEIKO_EMBEDDED: "1", PATH: "/nonexistent" };
    await expect(provideRedis(config(env), supervisor)).rejects.toThrow(
      /^no Redis: set REDIS_URL, or install redis-server \(Debian\/Ubuntu: apt-get install redis-server\)$/,
    );
    expect(supervisor.names).toEqual([]);
  });
});
