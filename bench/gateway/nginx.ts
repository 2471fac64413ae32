/**
 * nginx as the reference proxy: one worker (or more), proxy_pass to the benchmark's upstream over a
 * keep-alive pool, configuration and temporary files in a directory of its own.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Child, childPids, startChild, waitUntil } from "./processes";

/**
 * The nginx binary: NGINX_BIN when set (only it: a path that is not executable means none), else
 * the Debian package's, else the first on PATH; null when there is none.
 */
export function findNginx(): string | null {
  const candidates =
    process.env.NGINX_BIN !== undefined
      ? [process.env.NGINX_BIN]
      : [
          "/usr/sbin/nginx",
          ...(process.env.PATH ?? "").split(":").map((dir) => path.join(dir, "nginx")),
        ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export function nginxVersion(bin: string): string {
  // nginx -v writes `nginx version: nginx/1.22.1` to stderr
  const run = spawnSync(bin, ["-v"], { encoding: "utf8" });
  const text = `${run.stderr ?? ""}${run.stdout ?? ""}`.trim();
  return text.replace(/^nginx version:\s*/, "") || "nginx (version unknown)";
}

/** The configuration: `workers` workers, keep-alive to clients and to the upstream, no access log. */
export function nginxConfig(
  dir: string,
  listenPort: number,
  upstreamPort: number,
  workers = 1,
): string {
  const tmp = (name: string) => path.join(dir, name);
  return `worker_processes ${workers};
daemon off;
pid ${tmp("nginx.pid")};
error_log stderr warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  client_body_temp_path ${tmp("client_body")};
  proxy_temp_path ${tmp("proxy")};
  fastcgi_temp_path ${tmp("fastcgi")};
  uwsgi_temp_path ${tmp("uwsgi")};
  scgi_temp_path ${tmp("scgi")};
  # like the gateway (Node's server): no cap on requests per client connection
  keepalive_requests 1000000;
  keepalive_timeout 65s;

  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }

  server {
    listen 127.0.0.1:${listenPort};

    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export type Nginx = {
  child: Child;
  /** Master and worker, for CPU accounting. */
  pids: () => number[];
  stop: () => Promise<void>;
};

/** Starts nginx in the foreground and waits until it proxies a request to the upstream. */
export async function startNginx(
  bin: string,
  listenPort: number,
  upstreamPort: number,
  probePath: string,
  workers = 1,
): Promise<Nginx> {
  const dir = mkdtempSync(path.join(tmpdir(), "keiko-bench-nginx-"));
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(dir, listenPort, upstreamPort, workers));
  const child = startChild("nginx", bin, ["-p", `${dir}/`, "-c", conf]);
  const stop = async () => {
    // the workers, named before the master goes (they would be re-parented after)
    const workerPids = child.done ? [] : childPids(child.pid);
    // SIGQUIT: graceful shutdown of master and worker
    await child.stop("SIGQUIT", 3_000);
    for (const pid of workerPids) {
      try {
        // only if still an nginx process (a pid is reused once its process is gone)
        if (readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("nginx")) {
          process.kill(pid, "SIGKILL");
        }
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      child,
      "a proxied answer",
      async () => (await fetch(`http://127.0.0.1:${listenPort}${probePath}`)).ok,
      10_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, pids: () => [child.pid, ...childPids(child.pid)], stop };
}
