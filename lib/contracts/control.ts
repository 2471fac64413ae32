import { z } from "zod";
import { DomainNameSchema, MigrationStateSchema } from "./domains";
import { OperatorRoleSchema, PasswordSchema, UsernameSchema } from "./operators";

/** Inputs of the control plane's tRPC API; the console validates with the same schemas. */
export const ReasonSchema = z
  .string({ error: "a reason is required" })
  .trim()
  .min(3, "give a reason of at least 3 characters")
  .max(500, "the reason can have at most 500 characters");

export const VersionSchema = z
  .number({ error: "expectedVersion must be a number" })
  .int()
  .positive();

/** A whole percentage, 0–100, named `name` in its messages. */
function percentSchema(name: string) {
  return z
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 100`)
    .max(100, `${name} must be between 0 and 100`);
}

export const WeightSchema = percentSchema("weight");

export const DomainRefSchema = z.object({ domain: DomainNameSchema });

export const TransitionInputSchema = z.object({
  domain: DomainNameSchema,
  to: MigrationStateSchema,
  weight: WeightSchema.optional(),
  reason: ReasonSchema,
  expectedVersion: VersionSchema,
  /** Admins only: move shadow → canary although parity is below the domain's threshold. */
  overrideParity: z.boolean().optional(),
  /** Admins only: go to canary or migrated although the data is not backfilled, in sync and verified. */
  overrideData: z.boolean().optional(),
});
export type TransitionInput = z.infer<typeof TransitionInputSchema>;

/** The share of a shadowed domain's requests the gateway mirrors to its new service. */
export const ShadowPercentInputSchema = z.object({
  domain: DomainNameSchema,
  percent: percentSchema("percent"),
  reason: ReasonSchema,
  expectedVersion: VersionSchema,
});
export type ShadowPercentInput = z.infer<typeof ShadowPercentInputSchema>;

export const RollbackInputSchema = z.object({
  domain: DomainNameSchema,
  reason: ReasonSchema,
  expectedVersion: VersionSchema.optional(),
});
export type RollbackInput = z.infer<typeof RollbackInputSchema>;

export const AuditQuerySchema = z.object({
  actor: z.string().trim().max(64).optional(),
  action: z.string().trim().max(64).optional(),
  target: z.string().trim().max(128).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const DisplayNameSchema = z
  .string()
  .trim()
  .min(1, "display name is required")
  .max(100, "display name can have at most 100 characters");

export const CreateOperatorInputSchema = z.object({
  username: UsernameSchema,
  displayName: DisplayNameSchema,
  role: OperatorRoleSchema,
  password: PasswordSchema,
});
export type CreateOperatorInput = z.infer<typeof CreateOperatorInputSchema>;

export const UpdateOperatorInputSchema = z
  .object({
    username: UsernameSchema,
    role: OperatorRoleSchema.optional(),
    disabled: z.boolean().optional(),
    password: PasswordSchema.optional(),
  })
  .refine((v) => v.role !== undefined || v.disabled !== undefined || v.password !== undefined, {
    message: "nothing to change: give a role, disabled or a new password",
  });
export type UpdateOperatorInput = z.infer<typeof UpdateOperatorInputSchema>;
