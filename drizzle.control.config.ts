import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./server/db/schema/*.ts",
  out: "./drizzle/control",
  dbCredentials: {
    url: process.env.CONTROL_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/keiko_control",
  },
});
