/** The origin of a URL-ish header value, or null if it is not an http(s) URL ("null" included). */
function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origins the console answers as: the one the request was addressed to (its Host, which a
 * browser sets itself and a page cannot change) and the configured public URL, if any.
 */
export function consoleOrigins(request: Request, publicUrl: string | undefined): Set<string> {
  const origins = new Set<string>();
  const url = new URL(request.url);
  const host = request.headers.get("host");
  origins.add(host ? `${url.protocol}//${host}` : url.origin);
  if (publicUrl) {
    const configured = originOf(publicUrl);
    if (configured) origins.add(configured);
  }
  return origins;
}

/**
 * Defence in depth against cross-site requests (SameSite=Lax cookies are the first guard): a
 * state-changing request whose Origin, or Referer when there is no Origin, is not one of the
 * console's own origins gets a 403 with a plain message. A request with neither header comes
 * from no browser page (a worker, curl) and carries no ambient cookie of a victim, so it passes.
 */
export function checkOrigin(request: Request, publicUrl: string | undefined): Response | null {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") {
    return null;
  }
  const origin = request.headers.get("origin");
  const referer = request.headers.get("referer");
  const claimed = origin ?? referer;
  if (claimed === null) return null;
  const from = originOf(claimed);
  if (from && consoleOrigins(request, publicUrl).has(from)) return null;
  const shown = (from ?? claimed).slice(0, 200);
  return Response.json(
    {
      error: {
        code: "FORBIDDEN",
        message: `this request comes from another site (${origin !== null ? "Origin" : "Referer"} ${shown}); changes are accepted only from the console's own pages`,
      },
    },
    { status: 403 },
  );
}
