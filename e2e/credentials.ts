/** The first admin of the e2e stack; scripts/e2e-server.ts seeds it, the specs sign in with it. */
export const E2E_ADMIN = { username: "admin", password: "e2e-admin-password-0001" } as const;

/** Sessions in the e2e stack last this long, so a spec can check the cookie's expiry. */
export const E2E_SESSION_SECONDS = 3_600;
