import { setTimeout as sleep } from "node:timers/promises";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { createControlDb } from "@/server/db/client";
import type { Operator } from "@/server/operators/operator-service";
import { createCaller } from "@/server/routers/index";
import { createContext } from "@/server/trpc";
import { type BadInputResult, runBadInputs } from "./bad-inputs";
import { deadLetterCount, FAULTS, type Fault } from "./faults";
import { readLedger } from "./ledger";
import { type OwnPlatform, startOwnPlatform } from "./platform";
import { type Outcome, startTraffic, type Traffic } from "./traffic";

export type FaultResult = {
  fault: string;
  quick: boolean;
  /** Client requests that got no answer or a 5xx while the fault lasted and until recovery. */
  failed: number;
  /** Client requests refused with a 4xx in the same window (e.g. a write fence's 503 is a 5xx). */
  refused: number;
  requests: number;
  lost: number;
  duplicated: number;
  /** Seconds from the fault until the last failed client request: requests succeed after it. */
  recoverSeconds: number;
  /** Seconds from the fault until every acknowledged write before it had all its effects. */
  settledSeconds: number | null;
  note: string;
  details: string[];
};

export type DrillReport = {
  faults: FaultResult[];
  badInputs: BadInputResult[];
  acknowledged: number;
  requests: number;
  /** Which side answered the learning writes (x-keiko-upstream): the canary's share. */
  interactionsBy: Record<string, number>;
  ok: boolean;
  logFile: string;
};

const CANARY_DOMAIN = "learning";
const CANARY_WEIGHT = 50;

/** The control plane as an admin sees it, in-process on the drill's own keiko_control. */
async function adminCaller(platform: OwnPlatform) {
  const { db, pool } = createControlDb(databaseUrlFor(platform.serverUrl, "keiko_control"), 2);
  pool.on("error", () => undefined);
  const { rows } = await pool.query(
    "select id, username, display_name, role from operators where username = $1",
    [platform.admin.username],
  );
  const row = rows[0];
  const operator: Operator = {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
  };
  const caller = createCaller(
    createContext(db, { redis: platform.redis, prefix: platform.prefix }, operator),
  );
  return { caller, pool };
}

type Caller = Awaited<ReturnType<typeof adminCaller>>["caller"];

async function domainState(platform: OwnPlatform) {
  const { rows } = await platform.pools.keiko_control.query(
    "select state, canary_weight as weight, version, updated_by as by from domains where name = $1",
    [CANARY_DOMAIN],
  );
  return rows[0] as { state: string; weight: number; version: number; by: string };
}

/** Brings the canary domain to canary (through shadow), waiting for the data gate to open. */
async function ensureCanary(platform: OwnPlatform, caller: Caller, log: (line: string) => void) {
  const deadline = Date.now() + 180_000;
  let lastError = "";
  while (Date.now() < deadline) {
    const row = await domainState(platform).catch(() => undefined);
    if (row?.state === "canary") return;
    if (row) {
      const to = row.state === "legacy" ? "shadow" : "canary";
      try {
        await caller.migration.transition({
          domain: CANARY_DOMAIN,
          to,
          weight: to === "canary" ? CANARY_WEIGHT : undefined,
          reason: `fault drill: ${to}`,
          expectedVersion: row.version,
          overrideParity: to === "canary",
        });
        log(`${CANARY_DOMAIN} → ${to}`);
        continue;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    await sleep(1_000);
  }
  throw new Error(`${CANARY_DOMAIN} could not be brought to canary: ${lastError}`);
}

/** slo-guard's rollbacks since `since` (ms), each with when (from `t0`) and why, from the audit trail. */
async function guardRollbacks(platform: OwnPlatform, since: number, t0: number): Promise<string[]> {
  const { rows } = await platform.pools.keiko_control
    .query(
      `select target, extract(epoch from at) * 1000 as at, coalesce(after->>'reason', after::text) as reason
       from audit_log where actor = 'slo-guard' and action = 'migration.rollback' and at >= to_timestamp($1 / 1000.0)
       order by at`,
      [since],
    )
    .catch(() => ({ rows: [] }));
  return rows.map(
    (r) =>
      `slo-guard rolled ${String(r.target).replace("domain:", "")} back at ${((Number(r.at) - t0) / 1000).toFixed(1)} s (${String(r.reason).slice(0, 120)})`,
  );
}

function isFailure(outcome: Outcome): boolean {
  return outcome.status === 0 || outcome.status >= 500;
}

/** Waits until a fault's failures have stopped: `quietMs` without one after it was lifted (at most 30 s). */
async function awaitQuiet(
  traffic: Traffic,
  since: number,
  liftedAt: number,
  quietMs: number,
): Promise<Outcome[]> {
  for (;;) {
    const window = traffic.outcomes.filter((o) => o.endedAt >= since);
    const lastFailure = window.filter(isFailure).at(-1)?.endedAt ?? 0;
    const now = Date.now();
    if (now - Math.max(liftedAt, lastFailure) >= quietMs || now - liftedAt > 30_000) return window;
    await sleep(200);
  }
}

/**
 * Runs the fault drill on a platform of its own: traffic through the gateway, learning in canary,
 * then each fault of the catalogue (only the quick ones with `quick`), each followed by a wait
 * for its effects; then the bad inputs; then a last reading of every effect once traffic stops.
 */
export async function runDrill(options: {
  root: string;
  quick: boolean;
  only?: string[];
  log?: (line: string) => void;
}): Promise<DrillReport> {
  const log = options.log ?? ((line: string) => console.error(`[drill] ${line}`));
  const started = performance.now();
  const at = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  log("starting a platform of its own (embedded PostgreSQL, redis-server, every process)");
  const platform = await startOwnPlatform({ root: options.root, log });
  let traffic: Traffic | undefined;
  let control: Awaited<ReturnType<typeof adminCaller>> | undefined;
  try {
    log(`platform up at ${at()}; gateway ${platform.gatewayUrl}, logs in ${platform.logFile}`);
    control = await adminCaller(platform);
    traffic = startTraffic(platform.gatewayUrl, { clients: 4, pauseMs: 30 });
    await ensureCanary(platform, control.caller, log);
    log(`${CANARY_DOMAIN} in canary at ${at()}`);
    await sleep(3_000);

    const faults = FAULTS.filter((f) =>
      options.only
        ? options.only.some((o) => f.name.toLowerCase().includes(o.toLowerCase()))
        : !options.quick || f.quick,
    );
    const reportedLost = new Set<string>();
    const reportedDuplicated = new Set<string>();
    const results: FaultResult[] = [];
    const settleMs = options.quick ? 30_000 : 60_000;

    const settle = async (since: number, withScores: boolean) => {
      const cutoff = new Date(Date.now() - 500);
      const acknowledged = traffic?.acknowledged.filter((a) => a.at < cutoff.getTime()) ?? [];
      const deadline = Date.now() + settleMs;
      for (;;) {
        const reading = await readLedger(platform.pools, acknowledged, {
          cutoff,
          withScores,
        }).catch(() => undefined);
        if (reading && (reading.lost.size === 0 || Date.now() > deadline)) {
          const settledSeconds = reading.lost.size === 0 ? (Date.now() - since) / 1000 : null;
          return { reading, settledSeconds };
        }
        await sleep(500);
      }
    };

    let lastCheck = Date.now();
    for (const fault of faults) {
      log(`${at()}: ${fault.name}`);
      const restartsBefore = new Map(
        platform.supervisor.status().map((p) => [p.name, p.restarts] as const),
      );
      const t0 = Date.now();
      let note: string;
      try {
        note = await fault.inject(platform);
      } catch (error) {
        note = `FAULT NOT APPLIED: ${error instanceof Error ? error.message : String(error)}`;
      }
      const window = await awaitQuiet(traffic, t0, Date.now(), options.quick ? 2_000 : 3_000);
      const failures = window.filter(isFailure);
      const { reading, settledSeconds } = await settle(t0, false);
      const details: string[] = [];
      let lost = 0;
      let duplicated = 0;
      for (const [key, text] of reading.lost) {
        if (reportedLost.has(key)) continue;
        reportedLost.add(key);
        lost += 1;
        details.push(`lost: ${text}`);
      }
      for (const [key, text] of reading.duplicated) {
        if (reportedDuplicated.has(key)) continue;
        reportedDuplicated.add(key);
        duplicated += 1;
        details.push(`twice: ${text}`);
      }
      // every process the supervisor had to restart, the faulted one and any that fell with it
      const fell = platform.supervisor
        .status()
        .filter((p) => p.restarts > (restartsBefore.get(p.name) ?? 0))
        .map((p) => p.name);
      if (fell.length > 1) note += `; restarted with it: ${fell.join(", ")}`;
      for (const rollback of await guardRollbacks(platform, lastCheck, t0)) note += `; ${rollback}`;
      lastCheck = Date.now();
      const state = await domainState(platform).catch(() => undefined);
      if (state && state.state !== "canary") {
        note += `; ${CANARY_DOMAIN} advanced to canary again`;
        await ensureCanary(platform, control.caller, log);
      }
      const statuses = new Map<number, number>();
      for (const f of failures) statuses.set(f.status, (statuses.get(f.status) ?? 0) + 1);
      if (failures.length > 0) {
        note += `; failures ${[...statuses].map(([s, n]) => `${s === 0 ? "no answer" : s}×${n}`).join(", ")}`;
      }
      results.push({
        fault: fault.name,
        quick: fault.quick,
        failed: failures.length,
        refused: window.filter((o) => o.status >= 400 && o.status < 500).length,
        requests: window.length,
        lost,
        duplicated,
        recoverSeconds: failures.length > 0 ? ((failures.at(-1)?.endedAt ?? t0) - t0) / 1000 : 0,
        settledSeconds,
        note,
        details,
      });
      log(
        `${at()}: ${fault.name}: ${failures.length} failed, ${lost} lost, ${duplicated} twice; ${note}`,
      );
    }

    log(`${at()}: bad inputs`);
    const { results: badInputs, forgedWrites } = await runBadInputs(platform, traffic.acknowledged);
    traffic.acknowledged.push(...forgedWrites);
    await sleep(1_000);
    await traffic.stop();
    log(`${at()}: traffic stopped; final reading of every effect, tutor scores included`);
    const finalStart = Date.now();
    const { reading, settledSeconds } = await settle(finalStart, true);
    const finalDetails: string[] = [];
    let finalLost = 0;
    let finalDuplicated = 0;
    for (const [key, text] of reading.lost) {
      if (!reportedLost.has(key)) {
        finalLost += 1;
        finalDetails.push(`lost: ${text}`);
      }
    }
    for (const [key, text] of reading.duplicated) {
      if (!reportedDuplicated.has(key)) {
        finalDuplicated += 1;
        finalDetails.push(`twice: ${text}`);
      }
    }
    const deadLetters = await deadLetterCount(platform).catch(() => -1);
    results.push({
      fault: "final reading (traffic stopped, scores)",
      quick: true,
      failed: 0,
      refused: 0,
      requests: traffic.outcomes.length,
      lost: finalLost,
      duplicated: finalDuplicated,
      recoverSeconds: 0,
      settledSeconds,
      note: `${traffic.acknowledged.length} writes acknowledged; ${deadLetters} dead letters; ${reading.lost.size} effects missing in all`,
      details: finalDetails,
    });
    // a drill whose writes were all refused proved nothing
    const ok =
      traffic.acknowledged.length > 50 &&
      results.every(
        (r) => r.lost === 0 && r.duplicated === 0 && !r.note.includes("FAULT NOT APPLIED"),
      ) &&
      badInputs.every((b) => b.ok);
    return {
      faults: results,
      badInputs,
      acknowledged: traffic.acknowledged.length,
      requests: traffic.outcomes.length,
      interactionsBy: countBy(
        traffic.outcomes.filter((o) => o.kind === "interaction" && o.upstream),
        (o) => o.upstream as string,
      ),
      ok,
      logFile: platform.logFile,
    };
  } finally {
    await traffic?.stop().catch(() => undefined);
    await control?.pool.end().catch(() => undefined);
    await platform.close();
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The two tables, as plain text. */
export function formatReport(report: DrillReport): string {
  const faultRows = report.faults.map((r) => [
    `${r.fault}${r.quick ? " *" : ""}`,
    `${r.failed}/${r.requests}`,
    String(r.refused),
    String(r.lost),
    String(r.duplicated),
    r.recoverSeconds.toFixed(1),
    r.settledSeconds === null ? "never" : r.settledSeconds.toFixed(1),
    r.note,
  ]);
  const lines = [
    table(
      [
        "fault (* quick)",
        "failed/requests",
        "4xx",
        "events lost",
        "applied twice",
        "recover s",
        "effects s",
        "note",
      ],
      faultRows,
    ),
  ];
  for (const r of report.faults)
    for (const d of r.details.slice(0, 10)) lines.push(`  ${r.fault}: ${d}`);
  lines.push("");
  lines.push(
    table(
      ["target", "bad input", "expected", "got", "ok"],
      report.badInputs.map((b) => [
        b.target,
        b.name,
        b.expected,
        String(b.status),
        b.ok ? "ok" : `FAIL ${b.problem ?? ""}`,
      ]),
    ),
  );
  return lines.join("\n");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (c ?? "").padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

export type { Fault };
