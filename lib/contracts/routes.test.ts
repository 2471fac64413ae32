import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { pathParamNames } from "@/lib/contracts/route";
import { allRoutes, DOMAIN_ROUTES } from "@/lib/contracts/routes";

function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional) {
    return unwrap(schema.unwrap() as z.ZodType);
  }
  return schema;
}

/** Whether a volatile-field path names a field the response schema has. */
function schemaHasPath(schema: z.ZodType, keys: string[]): boolean {
  if (keys.length === 0) return true;
  const [head, ...rest] = keys as [string, ...string[]];
  const inner = unwrap(schema);
  if (inner instanceof z.ZodArray) {
    return head === "*" && schemaHasPath(inner.element as z.ZodType, rest);
  }
  if (inner instanceof z.ZodObject) {
    const field = (inner.shape as Record<string, z.ZodType>)[head];
    return field !== undefined && schemaHasPath(field, rest);
  }
  return false;
}

describe("the route tables", () => {
  const routes = allRoutes();

  it("cover all six domains", () => {
    expect(Object.keys(DOMAIN_ROUTES)).toEqual([...DOMAIN_NAMES]);
    expect(routes.length).toBeGreaterThanOrEqual(6 * 3);
  });

  it("have one route per method and path", () => {
    const keys = routes.map(({ route }) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(routes.map((r) => [r.name, r.route] as const))("%s is consistent", (_, route) => {
    expect(route.path).toMatch(new RegExp(`^/api/${route.domain}/v1/`));
    expect(route.permission.startsWith(`${route.domain}:`)).toBe(true);
    expect(route.permission).toBe(
      route.method === "GET" ? `${route.domain}:read` : `${route.domain}:write`,
    );
    const declared = route.params instanceof z.ZodObject ? Object.keys(route.params.shape) : [];
    expect(declared.sort()).toEqual(pathParamNames(route.path).sort());
    if (route.method === "GET") expect(route.body).toBeUndefined();
    if (route.status === 201) expect(route.method).toBe("POST");
    for (const field of route.volatileFields) {
      expect(schemaHasPath(route.response, field.split(".")), field).toBe(true);
    }
  });
});

describe("request bodies", () => {
  const { registerUser } = DOMAIN_ROUTES.identity;
  const { createInteraction } = DOMAIN_ROUTES.learning;
  const { createProposal } = DOMAIN_ROUTES.governance;

  it("refuse unknown keys so that typos do not pass silently", () => {
    const result = registerUser.body.safeParse({
      did: "did:key:z6Mk",
      displayName: "Ada",
      roles: ["student"],
      dispayName: "typo",
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/dispayName/);
  });

  it("explain domain rules in words", () => {
    const id = "0b5ad5f6-2b5c-4c39-9d3a-7a7bb3f1b0a1";
    const interaction = createInteraction.body.safeParse({
      type: "lesson",
      content: "fractions",
      durationSeconds: 60,
      tutorId: id,
      studentId: id,
    });
    expect(interaction.error?.issues[0]?.message).toBe(
      "tutorId and studentId must be different users",
    );
    const proposal = createProposal.body.safeParse({
      title: "t",
      description: "d",
      proposerId: id,
      votingStartsAt: "2026-02-01T00:00:00Z",
      votingEndsAt: "2026-01-01T00:00:00Z",
    });
    expect(proposal.error?.issues[0]?.message).toBe("votingEndsAt must be after votingStartsAt");
    const roles = registerUser.body.safeParse({
      did: "did:key:z6Mk",
      displayName: "Ada",
      roles: ["teacher"],
    });
    expect(roles.error?.issues[0]?.message).toBe("role must be one of student, tutor, institution");
  });

  it("coerce query values that arrive as text and default the page size", () => {
    const { listUsers } = DOMAIN_ROUTES.identity;
    expect(listUsers.query.parse({ limit: "5", role: "tutor" })).toEqual({
      limit: 5,
      role: "tutor",
    });
    expect(listUsers.query.parse({})).toEqual({ limit: 20 });
    expect(listUsers.query.safeParse({ limit: "0" }).error?.issues[0]?.message).toBe(
      "limit must be a whole number between 1 and 100",
    );
  });
});
