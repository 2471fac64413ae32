import { HttpError } from "@/lib/http/http-error";

/** A request target the gateway accepts: an origin-form path, checked, and its query. */
export type RequestTarget = {
  /** Path and query exactly as received: what is forwarded. */
  raw: string;
  /** The path without the query, still percent-encoded: what routes are matched on. */
  pathname: string;
};

const MAX_TARGET_LENGTH = 8_192;
const PERCENT = /%(?![0-9A-Fa-f]{2})/;
const CONTROL = /\p{Cc}/u;
/**
 * A path every check below passes without decoding: non-empty segments (the last may be empty)
 * of characters that are not `%`, `\\`, `#` or a control character (\p{Cc}).
 */
const PLAIN_PATH = /^(?:\/[^/%\\#\p{Cc}]+)*\/?$/u;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

function refuse(reason: string): never {
  throw new HttpError("bad_request", `malformed request path: ${reason}`);
}

/**
 * Checks the request target before routing, so the gateway and the upstream cannot read a path
 * differently: origin-form only, valid percent-encoding, no control characters, no empty, `.` or
 * `..` segments and no encoded `/` or `\` (which would let a path escape its domain's prefix).
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget {
  if (!raw?.startsWith("/") || raw.startsWith("//")) refuse("it must start with a single /");
  if (raw.length > MAX_TARGET_LENGTH) refuse(`it is longer than ${MAX_TARGET_LENGTH} characters`);
  const queryAt = raw.indexOf("?");
  const pathname = queryAt === -1 ? raw : raw.slice(0, queryAt);
  // the common target, with nothing encoded: one regular expression instead of a decode per segment
  if (!raw.includes("%") && PLAIN_PATH.test(pathname) && !DOT_SEGMENT.test(pathname)) {
    return { raw, pathname };
  }
  return decodedRequestTarget(raw, pathname);
}

/** parseRequestTarget's checks segment by segment, decoded: what its fast path must agree with. */
export function decodedRequestTarget(raw: string, pathname: string): RequestTarget {
  if (PERCENT.test(raw)) refuse("bad percent-encoding");
  if (pathname.includes("#")) refuse("a fragment is not sent to a server");
  const segments = pathname.slice(1).split("/");
  segments.forEach((segment, index) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      refuse("bad percent-encoding");
    }
    if (CONTROL.test(decoded)) refuse("control characters");
    if (decoded === "." || decoded === "..") refuse("dot segments");
    if (decoded.includes("/") || decoded.includes("\\")) refuse("encoded / or \\");
    if (segment === "" && index < segments.length - 1) refuse("empty segments");
  });
  return { raw, pathname };
}
