import { z } from "zod";

export const OPERATOR_ROLES = ["viewer", "operator", "admin"] as const;
export const OperatorRoleSchema = z.enum(OPERATOR_ROLES, {
  error: () => `role must be one of ${OPERATOR_ROLES.join(", ")}`,
});
export type OperatorRole = z.infer<typeof OperatorRoleSchema>;

/** viewer < operator < admin */
export function roleAtLeast(role: OperatorRole, needed: OperatorRole): boolean {
  return OPERATOR_ROLES.indexOf(role) >= OPERATOR_ROLES.indexOf(needed);
}

export const UsernameSchema = z
  .string()
  .trim()
  .min(3, "username needs at least 3 characters")
  .max(64, "username can have at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "username may use a-z, 0-9, '.', '_' and '-'");

export const PasswordSchema = z
  .string()
  .min(12, "password needs at least 12 characters")
  .max(256, "password can have at most 256 characters");

/** An operator as the console and its sessions know them. */
export type Operator = { id: string; username: string; displayName: string; role: OperatorRole };
