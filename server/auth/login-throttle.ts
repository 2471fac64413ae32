import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { consoleEnv } from "@/lib/config/console";
import type { ControlDb } from "@/server/db/client";
import { controlDb } from "@/server/db/control-db";

/** How many failures each key may have within `lockoutSeconds`, and how long a lock lasts. */
export type LoginThrottlePolicy = {
  failuresPerUsername: number;
  failuresPerAddress: number;
  lockoutSeconds: number;
};

/** The answer to "may this sign-in be tried now?". */
export type LoginVerdict =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; message: string };

type Limiters = { byUsername: RateLimiterPostgres; byAddress: RateLimiterPostgres };

function limitersFor(db: ControlDb, policy: LoginThrottlePolicy): Limiters {
  const pool = (db as unknown as { $client: pg.Pool }).$client;
  // The table comes from migration 0005, so the runtime role needs no CREATE privilege.
  const common = {
    storeClient: pool,
    storeType: "pool",
    tableName: "login_throttle",
    tableCreated: true,
    duration: policy.lockoutSeconds,
    blockDuration: policy.lockoutSeconds,
  };
  return {
    byUsername: new RateLimiterPostgres({
      ...common,
      keyPrefix: "username",
      points: policy.failuresPerUsername,
    }),
    byAddress: new RateLimiterPostgres({
      ...common,
      keyPrefix: "address",
      points: policy.failuresPerAddress,
    }),
  };
}

function usernameKey(username: string): string {
  return username.trim().toLowerCase().slice(0, 128);
}

/** The login_throttle row of a username's failures (the library stores `<prefix>:<key>`). */
export function usernameThrottleRow(username: string): string {
  return `username:${usernameKey(username)}`;
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m === 1 ? "1 minute" : `${m} minutes`;
}

/**
 * Failed sign-ins counted per username and per client address in keiko_control (through
 * rate-limiter-flexible). A key that reaches its limit is locked for `lockoutSeconds`; a
 * successful sign-in clears its username's count, never its address's.
 */
export class LoginThrottle {
  private readonly limiters: Limiters;

  constructor(
    db: ControlDb,
    readonly policy: LoginThrottlePolicy,
  ) {
    this.limiters = limitersFor(db, policy);
  }

  /** Whether a sign-in as `username` from `address` may be tried now; checked before the password. */
  async check(username: string, address: string): Promise<LoginVerdict> {
    const [byUsername, byAddress] = await Promise.all([
      this.limiters.byUsername.get(usernameKey(username)),
      this.limiters.byAddress.get(address),
    ]);
    const waits: { seconds: number; message: string }[] = [];
    if (byUsername && byUsername.consumedPoints >= this.policy.failuresPerUsername) {
      waits.push({
        seconds: Math.ceil(byUsername.msBeforeNext / 1000),
        message: "Too many failed sign-ins for this username",
      });
    }
    if (byAddress && byAddress.consumedPoints >= this.policy.failuresPerAddress) {
      waits.push({
        seconds: Math.ceil(byAddress.msBeforeNext / 1000),
        message: "Too many failed sign-ins from your address",
      });
    }
    const longest = waits.sort((a, b) => b.seconds - a.seconds)[0];
    if (!longest) return { allowed: true };
    const retryAfterSeconds = Math.max(1, longest.seconds);
    return {
      allowed: false,
      retryAfterSeconds,
      message: `${longest.message}: try again in ${minutes(retryAfterSeconds)}`,
    };
  }

  /** Counts a failed sign-in against both keys; the one that reaches its limit is locked. */
  async recordFailure(username: string, address: string): Promise<void> {
    await Promise.all([
      this.countFailure(this.limiters.byUsername, usernameKey(username)),
      this.countFailure(this.limiters.byAddress, address),
    ]);
  }

  /** A successful sign-in ends the run of failures for its username. */
  async recordSuccess(username: string): Promise<void> {
    await this.limiters.byUsername.delete(usernameKey(username));
  }

  private async countFailure(limiter: RateLimiterPostgres, key: string): Promise<void> {
    try {
      const res = await limiter.consume(key);
      // the failure that reaches the limit starts a full lockout, not the rest of the window
      if (res.consumedPoints >= limiter.points)
        await limiter.block(key, this.policy.lockoutSeconds);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error; // already locked: nothing more to count
    }
  }
}

const holder = globalThis as unknown as { keikoLoginThrottle?: LoginThrottle };

/** The console's throttle, on its keiko_control, with the policy of its configuration. */
export function loginThrottle(): LoginThrottle {
  if (!holder.keikoLoginThrottle) {
    const env = consoleEnv();
    holder.keikoLoginThrottle = new LoginThrottle(controlDb(), {
      failuresPerUsername: env.LOGIN_FAILURES_PER_USERNAME,
      failuresPerAddress: env.LOGIN_FAILURES_PER_ADDRESS,
      lockoutSeconds: env.LOGIN_LOCKOUT_SECONDS,
    });
  }
  return holder.keikoLoginThrottle;
}
