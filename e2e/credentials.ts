/** The first admin of the e2e stack; scripts/e2e-server.ts seeds it, the specs sign in with it. */
export const E2E_ADMIN = { username: "admin", password: "e2e-admin-password-0001" } as const;

/** Seeded for the dead-letter spec, so it does not depend on another spec's accounts. */
export const E2E_DLQ_OPERATOR = {
  username: "dana",
  password: "dana-operator-pass-1",
  role: "operator",
} as const;
export const E2E_DLQ_VIEWER = {
  username: "walt",
  password: "walt-viewer-pass-01",
  role: "viewer",
} as const;

/** Sessions in the e2e stack last this long, so a spec can check the cookie's expiry. */
export const E2E_SESSION_SECONDS = 3_600;
