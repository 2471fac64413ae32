"use client";

import { useEffect, useState } from "react";
import type { BoardDomain } from "./domain-view";

type Plan = NonNullable<BoardDomain["plan"]>;

/** Seconds until the plan's current hold ends (≤ 0: the guard may promote now). */
export function secondsToNextStep(plan: Plan, now: number): number {
  const hold = plan.holdSeconds[plan.currentStep] ?? 0;
  return Math.ceil((plan.stepStartedAt.getTime() + hold * 1000 - now) / 1000);
}

/** "step 2/5 at 5 % · next in 42 s", kept current. */
export function RolloutStatus({ plan }: { plan: Plan }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const left = secondsToNextStep(plan, now);
  const last = plan.currentStep === plan.steps.length - 1;
  const next =
    plan.status === "paused"
      ? "paused"
      : left > 0
        ? `${last ? "migrates" : "next"} in ${left} s`
        : "promoting…";
  return (
    <span data-testid="rollout-status" className="text-xs text-sky-300" suppressHydrationWarning>
      step {plan.currentStep + 1}/{plan.steps.length} at {plan.steps[plan.currentStep]} % · {next}
    </span>
  );
}
