/** Latest stats snapshot of one gateway: `<prefix>gateway:stats:<gatewayId>` (EX 10). */
export function gatewayStatsKey(prefix: string, gatewayId: string): string {
  return `${prefix}gateway:stats:${gatewayId}`;
}

/** Channel every gateway publishes its stats snapshot on: `<prefix>gateway:stats`. */
export function gatewayStatsChannel(prefix: string): string {
  return `${prefix}gateway:stats`;
}

/** Hash of operator breaker overrides, field `<domain>:<side>`: `<prefix>gateway:breaker-overrides`. */
export function breakerOverridesKey(prefix: string): string {
  return `${prefix}gateway:breaker-overrides`;
}

/** Channel that announces operator control changes to gateways: `<prefix>gateway:control`. */
export function gatewayControlChannel(prefix: string): string {
  return `${prefix}gateway:control`;
}
