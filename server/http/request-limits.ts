/** The largest tRPC request body the console accepts (inputs are small; a DLQ edit is the biggest). */
export const TRPC_BODY_LIMIT_BYTES = 1_000_000;
/** The deepest JSON nesting an input may have (decoders recurse; a deep one would overflow). */
export const TRPC_MAX_NESTING = 64;

/** How deeply `text`'s arrays and objects nest, counted without parsing (no recursion). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i += 1; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth);
    else if (c === 93 || c === 125) depth -= 1;
  }
  return deepest;
}

function refuse(status: 400 | 413, message: string): Response {
  return Response.json(
    { error: { code: status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", message } },
    { status },
  );
}

/** The body, read up to `limit` bytes; null once it is longer. */
async function boundedText(request: Request, limit: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Checks a tRPC request before tRPC reads it: a body over the size limit is a 413, an input
 * nested deeper than the limit (in the body or the `input` query parameter) a 400, each with a
 * plain message. Returns the request to serve (its body already read) or the refusal.
 */
export async function guardTrpcRequest(request: Request): Promise<Request | Response> {
  const tooLarge = `the request is larger than ${TRPC_BODY_LIMIT_BYTES / 1_000_000} MB`;
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > TRPC_BODY_LIMIT_BYTES) return refuse(413, tooLarge);
  const input = new URL(request.url).searchParams.get("input");
  if (input && jsonNestingDepth(input) > TRPC_MAX_NESTING) {
    return refuse(400, `the input is nested more than ${TRPC_MAX_NESTING} levels deep`);
  }
  if (request.method === "GET" || request.method === "HEAD") return request;
  const text = await boundedText(request, TRPC_BODY_LIMIT_BYTES);
  if (text === null) return refuse(413, tooLarge);
  if (jsonNestingDepth(text) > TRPC_MAX_NESTING) {
    return refuse(400, `the input is nested more than ${TRPC_MAX_NESTING} levels deep`);
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body: text });
}
