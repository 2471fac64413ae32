import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/governance/schema.ts",
  out: "./drizzle/governance",
});
