import { z } from "zod";
import { ReasonSchema, VersionSchema } from "./control";
import { DomainNameSchema } from "./domains";

/** Inputs of the console's rollout and SLO procedures. */
export const StartRolloutInputSchema = z
  .object({
    domain: DomainNameSchema,
    steps: z
      .array(z.number().int().min(1, "a step is at least 1 %").max(100, "a step is at most 100 %"))
      .min(1, "give at least one step")
      .max(20, "at most 20 steps"),
    holdSeconds: z
      .array(z.number().int().min(1, "hold at least 1 s").max(86_400, "hold at most a day"))
      .min(1)
      .max(20),
    reason: ReasonSchema,
    expectedVersion: VersionSchema,
  })
  .refine((p) => p.steps.length === p.holdSeconds.length, {
    message: "give one hold time per step",
    path: ["holdSeconds"],
  })
  .refine((p) => p.steps.every((w, i) => i === 0 || w > (p.steps[i - 1] ?? 0)), {
    message: "steps must grow, e.g. 1, 5, 25, 50, 100",
    path: ["steps"],
  });
export type StartRolloutInput = z.infer<typeof StartRolloutInputSchema>;

export const RolloutActionInputSchema = z.object({
  domain: DomainNameSchema,
  reason: ReasonSchema,
});

export const UpdateSloPolicyInputSchema = z.object({
  domain: DomainNameSchema,
  maxErrorRate: z.number().min(0, "between 0 and 1").max(1, "between 0 and 1"),
  maxP99Ms: z.number().int().min(1).max(60_000),
  minRequests: z.number().int().min(1).max(1_000_000),
  windowSeconds: z.number().int().min(1, "1 to 60 s").max(60, "1 to 60 s"),
  enabled: z.boolean(),
  /** The version the editor saw (absent for a policy that was never saved). */
  expectedVersion: VersionSchema.optional(),
});
export type UpdateSloPolicyInput = z.infer<typeof UpdateSloPolicyInputSchema>;
