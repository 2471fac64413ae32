/** Next.js runs this once per server process, before the first request. */
export async function register() {
  // biome-ignore lint/style/noProcessEnv: NEXT_RUNTIME is Next.js's own bundle switch, not configuration
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { installClientAddressHook } = await import("@/server/http/client-address");
    installClientAddressHook();
  }
}
