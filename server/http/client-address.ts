import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import { consoleEnv } from "@/lib/config/console";

/**
 * The header that carries the client's address to route handlers. Written by the server for
 * every request (any value a client sends is overwritten), so it can be trusted.
 */
export const CLIENT_ADDRESS_HEADER = "x-keiko-client-address";

type TrustFn = (address: string, hop: number) => boolean;

/** `::ffff:10.0.0.1` is said as `10.0.0.1`, so one client has one key. */
function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * The address the request came from: the connection's peer, or, when that peer is one of the
 * trusted proxies, the nearest untrusted address in X-Forwarded-For (Express's "trust proxy").
 */
export function resolveClientAddress(request: IncomingMessage, trust: TrustFn): string {
  if (!request.socket?.remoteAddress) return "unknown";
  return plainAddress(proxyaddr(request, trust));
}

/** Compiles a TRUSTED_PROXIES list; an empty one trusts no proxy. */
export function compileTrust(proxies: string[]): TrustFn {
  return proxies.length > 0 ? proxyaddr.compile(proxies) : () => false;
}

const holder = globalThis as unknown as { keikoClientAddressHook?: boolean };

/**
 * Stamps CLIENT_ADDRESS_HEADER on every request the process's HTTP servers receive, before
 * Next.js sees it. Next.js keeps a client-sent X-Forwarded-For as it is and offers route
 * handlers no socket, so the connection's address is taken here, where the socket is known.
 */
export function installClientAddressHook(trustedProxies?: string[]): void {
  if (holder.keikoClientAddressHook) return;
  holder.keikoClientAddressHook = true;
  let trust: TrustFn | undefined = trustedProxies ? compileTrust(trustedProxies) : undefined;
  subscribe("http.server.request.start", (message) => {
    const { request } = message as { request: IncomingMessage };
    try {
      trust ??= compileTrust(consoleEnv().TRUSTED_PROXIES);
      request.headers[CLIENT_ADDRESS_HEADER] = resolveClientAddress(request, trust);
    } catch {
      // a bad TRUSTED_PROXIES entry trusts no proxy rather than breaking every request
      request.headers[CLIENT_ADDRESS_HEADER] = plainAddress(
        request.socket?.remoteAddress ?? "unknown",
      );
    }
  });
}

/** The client address stamped by the hook, or `unknown` where no hook ran. */
export function clientAddressOf(headers: Headers | Record<string, unknown>): string {
  const value =
    headers instanceof Headers
      ? headers.get(CLIENT_ADDRESS_HEADER)
      : headers[CLIENT_ADDRESS_HEADER];
  return typeof value === "string" && value.length > 0 && value.length <= 64 ? value : "unknown";
}
