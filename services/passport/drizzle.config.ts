import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/passport/schema.ts",
  out: "./drizzle/passport",
});
