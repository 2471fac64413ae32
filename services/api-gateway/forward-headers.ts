import {
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  validateHeaderName,
  validateHeaderValue,
} from "node:http";
import { HttpError } from "@/lib/http/http-error";
import { USER_HEADER } from "./choose-side";
import { randomHex } from "./random-hex";

/**
 * RFC 9110 §7.6.1 hop-by-hop headers, plus `Expect` (RFC 9110 §10.1.1: the gateway answers
 * `100-continue` itself, and undici refuses to send it) and the non-standard ones proxies drop.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "expect",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
/** `Proxy-Authorization`, `Proxy-Authenticate`, `Proxy-Connection`, …: meant for a proxy, never forwarded. */
const PROXY_PREFIX = "proxy-";

/** Headers the gateway sets itself, or that must never reach an upstream. */
const GATEWAY_OWNED = new Set([
  "host",
  "content-length",
  "authorization",
  "traceparent",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

/** Internal headers are the gateway's to set (a client's `x-keiko-shadow` would drop its events). */
const INTERNAL_PREFIX = "x-keiko-";
/** The one internal header a client may send: whom canary stickiness follows. */
const CLIENT_INTERNAL = new Set([USER_HEADER]);

function gatewayOwned(name: string): boolean {
  return (
    GATEWAY_OWNED.has(name) || (name.startsWith(INTERNAL_PREFIX) && !CLIENT_INTERNAL.has(name))
  );
}

/** An upstream's internal headers stay inside: the client sees only those the gateway sets. */
function internal(name: string): boolean {
  return name.startsWith(INTERNAL_PREFIX);
}

type AnyHeaders = Record<string, string | string[] | number | undefined>;

/** Names listed in the Connection header(s): they are hop-by-hop for this message too. */
function connectionTokens(headers: AnyHeaders): Set<string> | null {
  let named: Set<string> | null = null;
  for (const name in headers) {
    if (name.length !== 10 || name.toLowerCase() !== "connection") continue;
    const value = headers[name];
    for (const one of Array.isArray(value) ? value : [String(value ?? "")]) {
      for (const token of one.split(",")) {
        const trimmed = token.trim().toLowerCase();
        if (trimmed === "") continue;
        named ??= new Set();
        named.add(trimmed);
      }
    }
  }
  return named;
}

/** A copy of `headers` without hop-by-hop headers (fixed list and those named in Connection). */
export function withoutHopByHop<H extends AnyHeaders>(
  headers: H,
  alsoDrop?: (lowerCaseName: string) => boolean,
): Record<string, string | string[]> {
  const named = connectionTokens(headers);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.startsWith(PROXY_PREFIX) || named?.has(lower)) continue;
    if (alsoDrop?.(lower)) continue;
    out[lower] = typeof value === "number" ? String(value) : value;
  }
  return out;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace a request belongs to (W3C Trace Context): its id and flags. */
export type TraceContext = { traceId: string; flags: string };

/**
 * The caller's trace when it sent a valid `traceparent`, else a new sampled trace
 * (W3C Trace Context §4.3: a malformed header is ignored and a new trace starts).
 */
export function traceContextOf(incoming: string | string[] | undefined): TraceContext {
  const match = typeof incoming === "string" ? TRACEPARENT.exec(incoming.trim()) : null;
  const [, version, traceId = "", parentId = "", flags = "01"] = match ?? [];
  // a later version is read as version 00 (forward compatibility); ff and all-zero ids are invalid
  if (match && version !== "ff" && !/^0+$/.test(traceId) && !/^0+$/.test(parentId)) {
    return { traceId, flags };
  }
  return { traceId: randomHex(16), flags: "01" };
}

/** The `traceparent` of one upstream call: the trace continued with a new span id. */
export function traceparentFor(trace: TraceContext): string {
  return `00-${trace.traceId}-${randomHex(8)}-${trace.flags}`;
}

export type ForwardContext = {
  /** The client's address (the socket's peer). */
  clientIp: string;
  protocol: "http" | "https";
  /** The Host the client asked for. */
  host: string | undefined;
  /** `Bearer <service JWT>` for the chosen upstream. */
  authorization: string;
  traceparent: string;
};

/** A header the gateway will not send upstream: the client's fault, answered 400 by the gateway. */
export class UnforwardableHeaderError extends HttpError {
  override name = "UnforwardableHeaderError";

  constructor(readonly header: string) {
    super(
      "bad_request",
      `the ${header} header cannot be forwarded: its name or value has characters HTTP does not allow`,
      { header },
    );
  }
}

/**
 * Throws UnforwardableHeaderError unless every header is one undici will send as it is. Names
 * Node's HTTP parser produced are tokens already (it refuses any other with a 400), so only
 * values are checked for them.
 */
function assertSendable(headers: Record<string, string | string[]>, parsedNames: boolean): void {
  for (const name in headers) {
    const value = headers[name] as string | string[];
    try {
      // node:http's own checks, the same token and field-value rules as undici's
      if (!parsedNames) validateHeaderName(name);
      if (typeof value === "string") validateHeaderValue(name, value);
      else for (const one of value) validateHeaderValue(name, one);
    } catch {
      throw new UnforwardableHeaderError(name);
    }
  }
}

/**
 * The client's end-to-end headers as they may go upstream: without hop-by-hop headers, without
 * those the gateway owns (any `x-keiko-*` but `x-keiko-user` among them), and checked, so that
 * a header the HTTP client would refuse is refused here, before any upstream is involved.
 * Throws UnforwardableHeaderError.
 */
export function endToEndHeaders(
  incoming: IncomingHttpHeaders,
  parsedNames = false,
): Record<string, string | string[]> {
  const headers = withoutHopByHop(incoming, gatewayOwned);
  assertSendable(headers, parsedNames);
  return headers;
}

/**
 * The request headers sent upstream: the client's end-to-end headers (endToEndHeaders), plus
 * the gateway's own. Throws UnforwardableHeaderError.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  context: ForwardContext,
): Record<string, string | string[]> {
  return addGatewayHeaders(endToEndHeaders(incoming), incoming, context);
}

/** Adds the gateway's own headers (X-Forwarded-*, Authorization, traceparent) to `headers`. */
export function addGatewayHeaders(
  headers: Record<string, string | string[]>,
  incoming: IncomingHttpHeaders,
  context: ForwardContext,
): Record<string, string | string[]> {
  const previous = incoming["x-forwarded-for"];
  const chain = Array.isArray(previous) ? previous.join(", ") : previous;
  headers["x-forwarded-for"] = chain ? `${chain}, ${context.clientIp}` : context.clientIp;
  headers["x-forwarded-proto"] = context.protocol;
  if (context.host) headers["x-forwarded-host"] = context.host;
  headers.authorization = context.authorization;
  headers.traceparent = context.traceparent;
  return headers;
}

/**
 * The response headers for the client from the upstream's raw list (`[name, value, …]`): its
 * end-to-end headers without its internal ones, as a flat list for `writeHead`; content-length
 * is dropped too unless `keepLength` (the gateway sets the length of the body it sends).
 */
export function clientResponseHeaderList(raw: readonly string[], keepLength: boolean): string[] {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 10 && name.toLowerCase() === "connection") {
      for (const token of (raw[i + 1] as string).split(",")) {
        const trimmed = token.trim().toLowerCase();
        if (trimmed === "") continue;
        named ??= new Set();
        named.add(trimmed);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.startsWith(PROXY_PREFIX) || internal(lower)) continue;
    if (named?.has(lower) || (!keepLength && lower === "content-length")) continue;
    out.push(lower, raw[i + 1] as string);
  }
  return out;
}

/** The response headers sent back to the client: the upstream's end-to-end headers. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  return withoutHopByHop(upstream, internal);
}
