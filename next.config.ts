import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native and Node-only modules stay outside the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "pg", "pino", "rate-limiter-flexible", "proxy-addr"],
  poweredByHeader: false,
  // Another build directory lets two builds of one checkout run side by side (e2e on one machine).
  distDir: process.env.KEIKO_NEXT_DIST_DIR ?? ".next",
  typedRoutes: false,
  // `npm test` runs `tsc --noEmit` over the whole repository first; checking again here only
  // slows every build (≈13 s) and would fail `npm start` on a type error in a test file.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
