type Json = unknown;

function omitPath(value: Json, keys: readonly string[]): Json {
  if (keys.length === 0 || value === null || typeof value !== "object") return value;
  const [head, ...rest] = keys as [string, ...string[]];
  if (Array.isArray(value)) {
    if (head !== "*") return value;
    return rest.length === 0 ? [] : value.map((item) => omitPath(item, rest));
  }
  const out: Record<string, Json> = { ...(value as Record<string, Json>) };
  for (const key of Object.keys(out)) {
    if (head !== "*" && key !== head) continue;
    if (rest.length === 0) delete out[key];
    else out[key] = omitPath(out[key], rest);
  }
  return out;
}

/**
 * A copy of a JSON body without the route's volatile fields (`id`, `items.*.createdAt`, …), so
 * two answers to the same request can be compared with a deep equality.
 */
export function omitVolatileFields(body: Json, volatileFields: readonly string[]): Json {
  return volatileFields.reduce((current, path) => omitPath(current, path.split(".")), body);
}
