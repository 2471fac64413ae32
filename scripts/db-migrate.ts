/**
 * `npm run db:migrate`: creates the platform's databases on DATABASE_URL (default: local
 * PostgreSQL) and applies every folder of migrations under drizzle/. `npm start` does the same.
 */
import { prepareDatabases } from "./launcher/databases";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const { created, migrated } = await prepareDatabases(serverUrl, process.cwd());
console.log(`created: ${created.join(", ") || "none"}; migrated: ${migrated.join(", ") || "none"}`);
