import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native and Node-only modules stay outside the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "pg", "pino"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
