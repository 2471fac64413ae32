import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  BufferingCall,
  Deadlines,
  type UpstreamAnswer,
  UpstreamTimeoutError,
} from "./upstream-call";

/** A call that hands its answer or error to two callbacks. */
class CallbackCall extends BufferingCall {
  constructor(
    private readonly onAnswer: (answer: UpstreamAnswer) => void,
    private readonly onFailure: (error: unknown) => void,
  ) {
    super();
  }

  protected answered(answer: UpstreamAnswer): void {
    this.onAnswer(answer);
  }

  protected failed(error: unknown): void {
    this.onFailure(error);
  }
}

/** A call started against `deadlines`, with what became of it. */
function started(deadlines: Deadlines) {
  const outcome: { value: string } = { value: "pending" };
  const call = new CallbackCall(
    () => {
      outcome.value = "answered";
    },
    (error) => {
      outcome.value = error instanceof UpstreamTimeoutError ? "timed out" : "failed";
    },
  );
  call.begin(deadlines);
  return { call, outcome };
}

describe("the deadlines of a side's calls", () => {
  it("expire the calls still running past the timeout, and only those", async () => {
    const deadlines = new Deadlines(100);
    const early = started(deadlines);
    const finished = started(deadlines);
    finished.call.onComplete();
    await sleep(60);
    const late = started(deadlines);
    await sleep(80);
    expect(early.outcome.value).toBe("timed out");
    expect(finished.outcome.value).toBe("answered");
    expect(late.outcome.value).toBe("pending");
    await sleep(80);
    expect(late.outcome.value).toBe("timed out");
    expect(deadlines.size).toBe(0);
    deadlines.stop();
  });

  it("let go of a finished call at once, even behind a slow one, and grow past their size", async () => {
    const deadlines = new Deadlines(10_000);
    const slow = started(deadlines);
    const calls = Array.from({ length: 1_000 }, () => started(deadlines));
    expect(deadlines.size).toBe(1_001);
    for (const { call } of calls) call.onComplete();
    // the slow call holds the oldest slot; the others' slots are empty (nothing kept of them)
    expect(deadlines.size).toBe(1_001);
    slow.call.onComplete();
    expect(deadlines.size).toBe(0);
    expect(calls.every(({ outcome }) => outcome.value === "answered")).toBe(true);
    // positions keep counting after the ring grew and emptied
    const again = started(deadlines);
    again.call.onError(new Error("reset"));
    expect(again.outcome.value).toBe("failed");
    expect(deadlines.size).toBe(0);
    deadlines.stop();
  });
});
