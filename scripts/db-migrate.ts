/**
 * `npm run db:migrate`: creates the platform's databases on DATABASE_URL (default: local
 * PostgreSQL, as its superuser), applies every folder of migrations under drizzle/, then creates
 * or updates the processes' roles and grants (passwords in KEIKO_DATA_DIR/postgres-roles).
 * `npm start` does the same.
 */
import path from "node:path";
import { prepareDatabases, prepareRoles } from "./launcher/databases";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dataDir = path.resolve(process.env.KEIKO_DATA_DIR ?? ".data");
const { created, migrated } = await prepareDatabases(serverUrl, process.cwd());
console.log(`created: ${created.join(", ") || "none"}; migrated: ${migrated.join(", ") || "none"}`);
const roles = await prepareRoles(serverUrl, dataDir);
console.log(
  `roles: ${Object.keys(roles.urls).length} updated; passwords in ${path.relative(process.cwd(), dataDir)}/postgres-roles`,
);
