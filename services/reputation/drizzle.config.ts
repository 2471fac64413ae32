import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/reputation/schema.ts",
  out: "./drizzle/reputation",
});
