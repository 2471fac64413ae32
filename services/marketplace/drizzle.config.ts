import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/marketplace/schema.ts",
  out: "./drizzle/marketplace",
});
