import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { APPLICATION_RESOURCE } from "../argocd-names";

/**
 * A stand-in for the part of a Kubernetes API server (and of the Argo CD application controller)
 * the console uses, speaking the real wire format: Application list/get/merge-patch, watch
 * streams of newline-delimited events with resourceVersion resume, BOOKMARKs, `410 Gone` as an
 * ERROR event carrying a Status, and 404/409/415/422 as Status objects. Every object it is sent
 * or stores is validated against Argo CD's schema. A real cluster cannot run on this machine.
 */

type Json = Record<string, unknown>;
type WatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED"; object: Json; rv: number };

export type StandInOptions = {
  /** How long the simulated controller takes for each step of a sync (Running, then Succeeded). */
  controllerStepMs?: number;
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string;
};

const { group, version, plural } = APPLICATION_RESOURCE;
const COLLECTION = new RegExp(
  `^/apis/${group}/${version}/namespaces/([^/]+)/${plural}(?:/([^/]+))?$`,
);

function status(code: number, reason: string, message: string, details?: Json): Json {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    details,
    code,
  };
}

/** RFC 7386: objects merge, null deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Json =
    target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export class StandInApiServer {
  private readonly server: Server;
  private readonly apps = new Map<string, Json>();
  private readonly events: WatchEvent[] = [];
  private readonly watchers = new Set<{ namespace: string; res: ServerResponse }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private rv = 100;
  /** Watches from before this resourceVersion get 410 Gone (the server's event window). */
  private oldestKept = 0;
  /** Health the simulated workload reaches at each revision (default Healthy). */
  readonly healthByRevision = new Map<string, string>();
  /** Every request, for assertions: method, path and content type. */
  readonly requests: Array<{ method: string; path: string; contentType?: string }> = [];
  private readonly stepMs: number;

  constructor(private readonly options: StandInOptions = {}) {
    this.stepMs = options.controllerStepMs ?? 300;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        this.send(res, 500, status(500, "InternalError", String(error)));
      });
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", resolve);
    });
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.dropWatches();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // keep-alive sockets of the client would otherwise hold close() open
    this.server.closeAllConnections();
    await closed;
  }

  /** Stores an Application as `kubectl apply` would (validated), and tells the watchers. */
  put(object: Json): Json {
    const metadata = (object.metadata ?? {}) as Json;
    const key = `${metadata.namespace}/${metadata.name}`;
    const existed = this.apps.has(key);
    return this.store(key, clone(object), existed ? "MODIFIED" : "ADDED");
  }

  get(namespace: string, name: string): Json | undefined {
    const app = this.apps.get(`${namespace}/${name}`);
    return app ? clone(app) : undefined;
  }

  remove(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const app = this.apps.get(key);
    if (!app) return;
    this.apps.delete(key);
    this.rv += 1;
    const object = applyMergePatch(app, { metadata: { resourceVersion: String(this.rv) } }) as Json;
    this.emit({ type: "DELETED", object, rv: this.rv });
  }

  /** A new commit on the tracked branch: Argo CD sees the app OutOfSync with it. */
  pushCommit(namespace: string, name: string, revision: string): void {
    const key = `${namespace}/${name}`;
    const app = this.apps.get(key);
    if (!app) throw new Error(`no Application ${key}`);
    this.store(
      key,
      applyMergePatch(app, { status: { sync: { status: "OutOfSync" } } }) as Json,
      "MODIFIED",
    );
    this.headRevision.set(key, revision);
  }
  private readonly headRevision = new Map<string, string>();

  /** Forgets the event history, as etcd compaction does: older resourceVersions get 410 Gone. */
  compact(): void {
    this.oldestKept = this.rv;
    this.events.length = 0;
  }

  /** Ends every open watch stream, as an API server does at its watch timeout. */
  dropWatches(): void {
    for (const watcher of this.watchers) watcher.res.end();
    this.watchers.clear();
  }

  /** Sends a BOOKMARK with the current resourceVersion to every open watch. */
  bookmark(): void {
    for (const watcher of this.watchers) {
      this.writeEvent(watcher.res, {
        type: "BOOKMARK",
        object: {
          apiVersion: `${group}/${version}`,
          kind: "Application",
          metadata: { resourceVersion: String(this.rv) },
        },
      });
    }
  }

  private store(key: string, object: Json, type: "ADDED" | "MODIFIED"): Json {
    new Application(object as never).validate();
    this.rv += 1;
    const stored = applyMergePatch(object, {
      metadata: { resourceVersion: String(this.rv) },
    }) as Json;
    this.apps.set(key, stored);
    this.emit({ type, object: clone(stored), rv: this.rv });
    if (stored.operation) this.scheduleOperation(key);
    return clone(stored);
  }

  private emit(event: WatchEvent): void {
    this.events.push(event);
    const namespace = ((event.object.metadata as Json).namespace as string) ?? "";
    for (const watcher of this.watchers) {
      if (watcher.namespace === namespace)
        this.writeEvent(watcher.res, { type: event.type, object: event.object });
    }
  }

  private writeEvent(res: ServerResponse, event: Json): void {
    res.write(`${JSON.stringify(event)}\n`);
  }

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.stepMs);
    this.timers.add(timer);
  }

  /** The controller's part: Running, then Succeeded with a history entry, Synced, and the revision's health. */
  private scheduleOperation(key: string): void {
    const current = this.apps.get(key);
    const operation = current?.operation as Json | undefined;
    if (!current || !operation || this.running.has(key)) return;
    this.running.add(key);
    const sync = (operation.sync ?? {}) as Json;
    const spec = current.spec as Json;
    const source = (sync.source ?? spec.source) as Json | undefined;
    const branch = (source?.targetRevision as string | undefined) ?? "HEAD";
    const asked = (sync.revision as string | undefined) ?? branch;
    // the repo server resolves the tracked branch to its newest commit
    const revision =
      asked === branch
        ? (this.headRevision.get(key) ??
          (((current.status as Json | undefined)?.sync as Json | undefined)?.revision as
            | string
            | undefined) ??
          asked)
        : asked;
    const startedAt = new Date().toISOString();
    this.later(() => {
      const app = this.apps.get(key);
      if (!app) return this.running.delete(key);
      this.store(
        key,
        applyMergePatch(app, {
          status: {
            operationState: {
              operation,
              phase: "Running",
              message: "one or more tasks are running",
              startedAt,
            },
            health: { status: "Progressing" },
          },
        }) as Json,
        "MODIFIED",
      );
      this.later(() => {
        this.running.delete(key);
        const running = this.apps.get(key);
        if (!running) return;
        const status = (running.status ?? {}) as Json;
        const history = ((status.history as Json[] | undefined) ?? []).slice();
        const nextId = history.reduce((max, h) => Math.max(max, Number(h.id)), -1) + 1;
        const finishedAt = new Date().toISOString();
        history.push({
          id: nextId,
          revision,
          deployStartedAt: startedAt,
          deployedAt: finishedAt,
          ...(source && { source }),
          initiatedBy: operation.initiatedBy ?? { automated: true },
        });
        const health = this.healthByRevision.get(revision) ?? "Healthy";
        const resources = ((status.resources as Json[] | undefined) ?? []).map((r) => ({
          ...r,
          status: "Synced",
          health: { status: health },
        }));
        const synced = { ...running };
        delete synced.operation;
        synced.status = {
          ...status,
          sync: { status: "Synced", revision },
          health: { status: health },
          history: history.slice(-10),
          resources,
          operationState: {
            operation,
            phase: "Succeeded",
            message: "successfully synced (all tasks run)",
            startedAt,
            finishedAt,
            syncResult: { revision, resources: [] },
          },
        };
        this.store(key, synced, "MODIFIED");
      });
    });
  }
  private readonly running = new Set<string>();

  private send(res: ServerResponse, code: number, body: Json): void {
    if (res.headersSent) return void res.end();
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      contentType: req.headers["content-type"],
    });
    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return this.send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    }
    const match = COLLECTION.exec(url.pathname);
    if (!match)
      return this.send(
        res,
        404,
        status(404, "NotFound", "the server could not find the requested resource"),
      );
    const namespace = decodeURIComponent(match[1] ?? "");
    const name = match[2] ? decodeURIComponent(match[2]) : undefined;
    const notFound = () =>
      this.send(
        res,
        404,
        status(404, "NotFound", `applications.${group} "${name}" not found`, {
          name,
          group,
          kind: plural,
        }),
      );

    if (req.method === "GET" && !name && url.searchParams.get("watch") === "true") {
      return this.watch(namespace, url.searchParams.get("resourceVersion"), res);
    }
    if (req.method === "GET" && !name) {
      const items = [...this.apps.values()].filter(
        (a) => (a.metadata as Json).namespace === namespace,
      );
      return this.send(res, 200, {
        apiVersion: `${group}/${version}`,
        kind: "ApplicationList",
        metadata: { resourceVersion: String(this.rv) },
        items,
      });
    }
    if (req.method === "GET" && name) {
      const app = this.apps.get(`${namespace}/${name}`);
      return app ? this.send(res, 200, app) : notFound();
    }
    if (req.method === "PATCH" && name) {
      const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim();
      if (type !== "application/merge-patch+json") {
        return this.send(
          res,
          415,
          status(
            415,
            "UnsupportedMediaType",
            `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got ${type})`,
          ),
        );
      }
      const key = `${namespace}/${name}`;
      const app = this.apps.get(key);
      if (!app) return notFound();
      let patch: Json;
      try {
        patch = JSON.parse(await this.body(req)) as Json;
      } catch (error) {
        return this.send(
          res,
          400,
          status(400, "BadRequest", `error decoding patch: ${String(error)}`),
        );
      }
      const wanted = (patch.metadata as Json | undefined)?.resourceVersion;
      const have = (app.metadata as Json).resourceVersion;
      if (wanted !== undefined && wanted !== have) {
        return this.send(
          res,
          409,
          status(
            409,
            "Conflict",
            `Operation cannot be fulfilled on applications.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name, group, kind: plural },
          ),
        );
      }
      const next = applyMergePatch(app, patch) as Json;
      try {
        new Application(next as never).validate();
      } catch (error) {
        return this.send(
          res,
          422,
          status(
            422,
            "Invalid",
            `Application.${group} "${name}" is invalid: ${(error as Error).message}`,
            { name, group, kind: "Application" },
          ),
        );
      }
      return this.send(res, 200, this.store(key, next, "MODIFIED"));
    }
    return this.send(
      res,
      405,
      status(
        405,
        "MethodNotAllowed",
        `the server does not allow this method on the requested resource`,
      ),
    );
  }

  private watch(namespace: string, from: string | null, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const since = from ? Number(from) : this.rv;
    if (from && (Number.isNaN(since) || since < this.oldestKept)) {
      this.writeEvent(res, {
        type: "ERROR",
        object: status(410, "Expired", `too old resource version: ${from} (${this.oldestKept})`),
      });
      return void res.end();
    }
    for (const event of this.events) {
      if (event.rv > since && (event.object.metadata as Json).namespace === namespace) {
        this.writeEvent(res, { type: event.type, object: event.object });
      }
    }
    const watcher = { namespace, res };
    this.watchers.add(watcher);
    res.on("close", () => this.watchers.delete(watcher));
  }
}
