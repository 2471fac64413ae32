import { Watch } from "@kubernetes/client-node";
import type { ApplicationClient } from "./application-client";
import { type ApplicationView, toApplicationView } from "./application-view";
import { applicationsPath } from "./argocd-names";

export type CacheState = "starting" | "live" | "error";
type Listener = (view: ApplicationView, type: "ADDED" | "MODIFIED" | "DELETED") => void;

/**
 * The Applications of one namespace, kept current by one list and then one long watch that
 * resumes from the last resourceVersion it saw (BOOKMARKs included); a 410 Gone (the server
 * forgot that version) means list again. Written here rather than client-node's informer because
 * the page needs the cache's state and last error, and tests need to count re-lists.
 */
export class ApplicationCache {
  private readonly apps = new Map<string, ApplicationView>();
  private readonly listeners = new Set<Listener>();
  private abort: AbortController | null = null;
  private stopped = false;
  private retryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private firstList: Promise<void> | null = null;
  resourceVersion = "";
  state: CacheState = "starting";
  lastError: string | null = null;
  /** Counters, for the page's footnote and for tests. */
  readonly stats = { lists: 0, watches: 0, events: 0 };

  constructor(
    private readonly client: ApplicationClient,
    private readonly options: { minRetryMs?: number; maxRetryMs?: number } = {},
  ) {
    this.retryMs = options.minRetryMs ?? 500;
  }

  /** Starts once; resolves after the first list succeeded or failed. */
  start(): Promise<void> {
    this.firstList ??= this.relist();
    return this.firstList;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }

  snapshot(): ApplicationView[] {
    return [...this.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  find(name: string): ApplicationView | undefined {
    return this.apps.get(name);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(view: ApplicationView, type: "ADDED" | "MODIFIED" | "DELETED"): void {
    for (const listener of this.listeners) {
      try {
        listener(view, type);
      } catch {
        // a listener's failure must not stop the watch
      }
    }
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      this.stats.lists += 1;
      const list = await this.client.list();
      const seen = new Set<string>();
      for (const item of list.items) {
        const view = toApplicationView(item);
        seen.add(view.name);
        const type = this.apps.has(view.name) ? "MODIFIED" : "ADDED";
        this.apps.set(view.name, view);
        this.notify(view, type);
      }
      for (const [name, view] of this.apps) {
        if (!seen.has(name)) {
          this.apps.delete(name);
          this.notify(view, "DELETED");
        }
      }
      this.resourceVersion = list.resourceVersion;
      this.state = "live";
      this.lastError = null;
      this.retryMs = this.options.minRetryMs ?? 500;
      await this.watch();
    } catch (error) {
      this.fail(error, () => void this.relist());
    }
  }

  private fail(error: unknown, retry: () => void): void {
    this.state = "error";
    this.lastError = error instanceof Error ? error.message : String(error);
    if (this.stopped) return;
    this.timer = setTimeout(retry, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    let ended = false;
    this.stats.watches += 1;
    const onEvent = (type: string, object: unknown) => {
      this.stats.events += 1;
      const metadata = (object as { metadata?: { resourceVersion?: string } } | null)?.metadata;
      if (type === "ERROR") {
        // a Status object: 410 Expired when our resourceVersion left the server's window
        if ((object as { code?: number } | null)?.code === 410) gone = true;
        return;
      }
      if (type === "BOOKMARK") {
        if (metadata?.resourceVersion) this.resourceVersion = metadata.resourceVersion;
        return;
      }
      if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") return;
      const view = toApplicationView(object);
      if (type === "DELETED") this.apps.delete(view.name);
      else this.apps.set(view.name, view);
      if (metadata?.resourceVersion) this.resourceVersion = metadata.resourceVersion;
      this.notify(view, type);
    };
    const onDone = (error: unknown) => {
      ended = true;
      this.abort = null;
      if (this.stopped) return;
      const status = (error as { statusCode?: number } | null)?.statusCode;
      if (gone || status === 410) {
        this.timer = setTimeout(() => void this.relist(), 0);
        return;
      }
      if (error) {
        this.fail(error, () => void this.watch());
        return;
      }
      // the server ended the stream (its watch timeout): resume where we were
      this.timer = setTimeout(() => void this.watch(), 50);
    };
    try {
      this.abort = await new Watch(this.client.kubeConfig).watch(
        applicationsPath(this.client.namespace),
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
        onEvent,
        onDone,
      );
      if (!ended) {
        this.state = "live";
        this.lastError = null;
        this.retryMs = this.options.minRetryMs ?? 500;
      }
    } catch (error) {
      this.fail(error, () => void this.watch());
    }
  }
}
