import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/legacy-runtime/schema",
  out: "./drizzle/legacy",
});
