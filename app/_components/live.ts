/** Every page that shows shared state polls at this rate, so changes show within 2 seconds. */
export const LIVE_REFRESH_MS = 1_000;
