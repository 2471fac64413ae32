import type { ControlDb } from "@/server/db/client";
import { stillValidWallTokens } from "./wall-tokens";

/** How often open walls' tokens are re-checked (revoked elsewhere, or expired). */
export const WALL_TOKEN_CHECK_MS = 2_000;

/**
 * Ends the open walls of a token once it is revoked or expires: one query per check for every
 * wall of the process, and at once when the revocation happens in this process.
 */
export class WallTokenWatch {
  private readonly watchers = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly db: ControlDb,
    private readonly intervalMs = WALL_TOKEN_CHECK_MS,
  ) {}

  get watcherCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  /** Calls `onEnd` once when the token stops granting access; the returned function unwatches. */
  watch(tokenId: string, onEnd: () => void): () => void {
    let set = this.watchers.get(tokenId);
    if (!set) {
      set = new Set();
      this.watchers.set(tokenId, set);
    }
    set.add(onEnd);
    this.timer ??= setInterval(() => void this.check(), this.intervalMs).unref();
    return () => this.remove(tokenId, onEnd);
  }

  /** Ends every wall of a token now (its revocation was made in this process). */
  ended(tokenId: string): void {
    const set = this.watchers.get(tokenId);
    if (!set) return;
    this.watchers.delete(tokenId);
    for (const onEnd of set) onEnd();
    this.stopIfIdle();
  }

  /** Re-checks every watched token; a failed query waits for the next check. */
  async check(): Promise<void> {
    if (this.checking || this.watchers.size === 0) return;
    this.checking = true;
    try {
      const ids = [...this.watchers.keys()];
      const valid = await stillValidWallTokens(this.db, ids);
      for (const id of ids) if (!valid.has(id)) this.ended(id);
    } catch {
      // the database is away: the walls keep what they have and show it as stale
    } finally {
      this.checking = false;
    }
  }

  private remove(tokenId: string, onEnd: () => void): void {
    const set = this.watchers.get(tokenId);
    if (!set) return;
    set.delete(onEnd);
    if (set.size === 0) this.watchers.delete(tokenId);
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.watchers.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
