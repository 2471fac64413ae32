import { HttpError } from "@/lib/http/http-error";
import { FORCE_SIDE_HEADER, OPERATOR_TOKEN_HEADER, USER_HEADER } from "./choose-side";
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

/** The tokens of a Connection header value, lower case, added to `named`. */
function addConnectionTokens(value: string, named: Set<string> | null): Set<string> | null {
  // what nearly every Connection header says: nothing beyond the fixed hop-by-hop list
  if (value === "keep-alive" || value === "close") return named;
  for (const token of value.split(",")) {
    const trimmed = token.trim().toLowerCase();
    if (trimmed === "" || HOP_BY_HOP.has(trimmed)) continue;
    named ??= new Set();
    named.add(trimmed);
  }
  return named;
}

/** Field-value characters HTTP allows (RFC 9110 §5.5), as node:http and undici check them. */
const FORBIDDEN_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * What the gateway reads of one client request's headers, in one pass over `rawHeaders`
 * (no header object is built): the end-to-end headers any upstream may get, and the few the
 * gateway itself acts on.
 */
export type ClientHeaders = {
  /**
   * `[name, value, …]` with lower-case names, in the client's order: without hop-by-hop
   * headers (the fixed list and those its Connection header names) and without those the
   * gateway owns (any `x-keiko-*` but `x-keiko-user` among them); every value checked.
   */
  forwarded: string[];
  /** The first Host. */
  host: string | undefined;
  /** Every X-Forwarded-For value, joined as one chain. */
  forwardedFor: string | undefined;
  /** The traceparent, or undefined when absent or sent twice (W3C: then it is invalid). */
  traceparent: string | undefined;
  /** x-keiko-user, x-keiko-force-side and x-keiko-operator-token, when sent once. */
  user: string | undefined;
  forceSide: string | undefined;
  operatorToken: string | undefined;
  contentLength: string | undefined;
  transferEncoding: boolean;
  /** The first thing wrong with them (a header no upstream may get, a repeated one), or null. */
  problem: HttpError | null;
};

/**
 * Single-value fields of which Node's parser keeps the first when a client repeats them (its
 * IncomingMessage.headers): every upstream, in whatever language, reads one value, as before.
 * Other repeated fields are lists (RFC 9110 §5.3) and go as sent; Cookie lines are joined with
 * `; ` (RFC 6265 §5.4).
 */
const FIRST_ONLY = new Set([
  "content-type",
  "user-agent",
  "referer",
  "if-modified-since",
  "if-unmodified-since",
  "from",
  "location",
  "max-forwards",
  "retry-after",
  "etag",
  "last-modified",
  "server",
  "age",
  "expires",
]);

/** Internal headers the gateway reads; each may be sent once. */
const SINGLE = new Set([USER_HEADER, FORCE_SIDE_HEADER, OPERATOR_TOKEN_HEADER]);

function repeated(name: string): HttpError {
  return new HttpError("bad_request", `the ${name} header must be sent at most once`);
}

/**
 * Reads a client request's raw header list (`IncomingMessage.rawHeaders`, whose names Node's
 * parser already checked as tokens). Never throws: `problem` tells what the gateway must refuse.
 */
export function readClientHeaders(raw: readonly string[]): ClientHeaders {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 10 && name.toLowerCase() === "connection") {
      named = addConnectionTokens(raw[i + 1] as string, named);
    }
  }
  const headers: ClientHeaders = {
    forwarded: [],
    host: undefined,
    forwardedFor: undefined,
    traceparent: undefined,
    user: undefined,
    forceSide: undefined,
    operatorToken: undefined,
    contentLength: undefined,
    transferEncoding: false,
    problem: null,
  };
  let traceparents = 0;
  let firstSeen: Set<string> | null = null;
  let cookieAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    switch (lower) {
      case "host":
        headers.host ??= value;
        continue;
      case "x-forwarded-for":
        headers.forwardedFor =
          headers.forwardedFor === undefined ? value : `${headers.forwardedFor}, ${value}`;
        continue;
      case "traceparent":
        traceparents += 1;
        headers.traceparent = traceparents === 1 ? value : undefined;
        continue;
      case "content-length":
        headers.contentLength = value;
        continue;
      case "transfer-encoding":
        headers.transferEncoding = true;
        continue;
    }
    if (SINGLE.has(lower)) {
      const key =
        lower === USER_HEADER
          ? "user"
          : lower === FORCE_SIDE_HEADER
            ? "forceSide"
            : "operatorToken";
      if (headers[key] !== undefined) headers.problem ??= repeated(lower);
      headers[key] = value;
    }
    if (HOP_BY_HOP.has(lower) || lower.startsWith(PROXY_PREFIX) || named?.has(lower)) continue;
    if (gatewayOwned(lower)) continue;
    if (FORBIDDEN_VALUE_CHAR.test(value)) {
      headers.problem ??= new UnforwardableHeaderError(lower);
      continue;
    }
    // a repeated header reaches the upstream as Node would have read it: one value
    if (FIRST_ONLY.has(lower)) {
      if (firstSeen?.has(lower)) continue;
      firstSeen ??= new Set();
      firstSeen.add(lower);
    } else if (lower === "cookie") {
      if (cookieAt >= 0) {
        headers.forwarded[cookieAt + 1] += `; ${value}`;
        continue;
      }
      cookieAt = headers.forwarded.length;
    }
    headers.forwarded.push(lower, value);
  }
  return headers;
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

/** The gateway's own headers of one upstream call. */
export type GatewayHeaders = {
  /** The client's address (the socket's peer). */
  clientIp: string;
  protocol: "http" | "https";
  /** `Bearer <service JWT>` for the chosen upstream. */
  authorization: string;
  traceparent: string;
};

/**
 * The request headers sent upstream, as undici takes them (`[name, value, …]`): the client's
 * forwarded headers, then X-Forwarded-For (the client appended to the chain it sent),
 * X-Forwarded-Proto, X-Forwarded-Host, Authorization and traceparent.
 */
export function upstreamHeaders(client: ClientHeaders, own: GatewayHeaders): string[] {
  const headers = client.forwarded.slice();
  const chain = client.forwardedFor;
  headers.push(
    "x-forwarded-for",
    chain ? `${chain}, ${own.clientIp}` : own.clientIp,
    "x-forwarded-proto",
    own.protocol,
  );
  if (client.host) headers.push("x-forwarded-host", client.host);
  headers.push("authorization", own.authorization, "traceparent", own.traceparent);
  return headers;
}

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
 * The response headers for the client from the upstream's raw list (`[name, value, …]`): its
 * end-to-end headers without its internal ones, as a flat list for `writeHead`; content-length
 * is dropped too unless `keepLength` (the gateway sets the length of the body it sends).
 */
export function clientResponseHeaderList(raw: readonly string[], keepLength: boolean): string[] {
  let named: Set<string> | null = null;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (lower === "connection") named = addConnectionTokens(raw[i + 1] as string, named);
    if (HOP_BY_HOP.has(lower) || lower.startsWith(PROXY_PREFIX) || internal(lower)) continue;
    if (!keepLength && lower === "content-length") continue;
    out.push(lower, raw[i + 1] as string);
  }
  // what a Connection header names is hop-by-hop too (rare: the list is filtered again)
  if (named === null) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!named.has(out[i] as string)) kept.push(out[i] as string, out[i + 1] as string);
  }
  return kept;
}
