import { z } from "zod";
import { defineEvent } from "@/lib/contracts/events/define-event";
import { PageQuerySchema, pageOf } from "@/lib/contracts/pagination";
import { DidSchema, IdSchema, TimestampSchema, textSchema } from "@/lib/contracts/primitives";
import { defineRoute } from "@/lib/contracts/route";

export const USER_ROLES = ["student", "tutor", "institution"] as const;
export const UserRoleSchema = z.enum(USER_ROLES, {
  error: () => `role must be one of ${USER_ROLES.join(", ")}`,
});
export type UserRole = z.infer<typeof UserRoleSchema>;

const RolesSchema = z
  .array(UserRoleSchema)
  .min(1, "give at least one role")
  .refine((roles) => new Set(roles).size === roles.length, "roles must not repeat");

/** A registered user of the Keiko platform, identified by a DID. */
export const UserSchema = z.object({
  id: IdSchema,
  did: DidSchema,
  displayName: z.string(),
  roles: z.array(UserRoleSchema),
  createdAt: TimestampSchema,
});
export type User = z.infer<typeof UserSchema>;

/** `id` may be chosen by the caller so a mirrored request creates the same user on both sides. */
export const RegisterUserBodySchema = z.strictObject({
  id: IdSchema.optional(),
  did: DidSchema,
  displayName: textSchema("displayName", 100),
  roles: RolesSchema,
});
export type RegisterUserBody = z.infer<typeof RegisterUserBodySchema>;

export const UserParamsSchema = z.object({ userId: IdSchema });
export const DidParamsSchema = z.object({ did: DidSchema });
export const ListUsersQuerySchema = PageQuerySchema.extend({ role: UserRoleSchema.optional() });

const userVolatile = ["id", "createdAt"] as const;
const pageVolatile = ["items.*.id", "items.*.createdAt", "nextCursor"] as const;

/** HTTP API of the identity domain. */
export const IDENTITY_ROUTES = {
  registerUser: defineRoute({
    domain: "identity",
    method: "POST",
    path: "/api/identity/v1/users",
    summary: "Register a user with a DID and roles; 409 if the DID or id is taken",
    body: RegisterUserBodySchema,
    status: 201,
    response: UserSchema,
    permission: "identity:write",
    volatileFields: userVolatile,
  }),
  getUser: defineRoute({
    domain: "identity",
    method: "GET",
    path: "/api/identity/v1/users/:userId",
    summary: "One user by id",
    params: UserParamsSchema,
    status: 200,
    response: UserSchema,
    permission: "identity:read",
    volatileFields: userVolatile,
  }),
  resolveDid: defineRoute({
    domain: "identity",
    method: "GET",
    path: "/api/identity/v1/dids/:did",
    summary: "The user a DID belongs to",
    params: DidParamsSchema,
    status: 200,
    response: UserSchema,
    permission: "identity:read",
    volatileFields: userVolatile,
  }),
  listUsers: defineRoute({
    domain: "identity",
    method: "GET",
    path: "/api/identity/v1/users",
    summary: "Users, oldest first, optionally with one role",
    query: ListUsersQuerySchema,
    status: 200,
    response: pageOf(UserSchema),
    permission: "identity:read",
    volatileFields: pageVolatile,
  }),
} as const;

export const UserRegisteredDataSchema = z.object({
  user_id: IdSchema,
  did: DidSchema,
  display_name: z.string().min(1),
  roles: z.array(UserRoleSchema).min(1),
  registered_at: TimestampSchema,
});
export type UserRegisteredData = z.infer<typeof UserRegisteredDataSchema>;

/** A user was registered; aggregate: the user. */
export const USER_REGISTERED_V1 = defineEvent({
  type: "identity.UserRegistered",
  version: 1,
  aggregateType: "user",
  summary: "A user was registered with a DID and roles",
  data: UserRegisteredDataSchema,
});
