import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/learning/schema.ts",
  out: "./drizzle/learning",
});
