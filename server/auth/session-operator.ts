import { getServerSession } from "next-auth";
import { controlDb } from "@/server/db/control-db";
import { findActiveOperator, type Operator } from "@/server/operators/operator-service";
import { authOptions } from "./auth-options";

/**
 * The operator behind the current request's session cookie, or null. Role and enabled state come
 * from the database, not the cookie, so a demotion or a disable takes effect on the next request.
 */
export async function sessionOperator(): Promise<Operator | null> {
  const session = (await getServerSession(authOptions())) as { operatorId?: string | null } | null;
  if (!session?.operatorId) return null;
  return findActiveOperator(controlDb(), session.operatorId);
}
