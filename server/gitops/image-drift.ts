/** Whether the deployed images of a service match the one its overlay asks for. */
export type ImageDrift = "in sync" | "drift" | "unknown";

/** Docker Hub's implicit prefixes, so `keiko/x:1` and `docker.io/keiko/x:1` compare equal. */
function normalize(image: string): string {
  return image.replace(/^docker\.io\//, "").replace(/^library\//, "");
}

export function imageDrift(deployed: string[], desired: string | null): ImageDrift {
  if (!desired || deployed.length === 0) return "unknown";
  const want = normalize(desired);
  return deployed.some((image) => normalize(image) === want) ? "in sync" : "drift";
}

/** The deployed image of `service` among an Application's images (its own repository). */
export function serviceImage(images: string[], service: string | null): string | null {
  if (!service) return images[0] ?? null;
  const own = images.find((image) => new RegExp(`(^|/)${service}(:|@|$)`).test(image));
  return own ?? images[0] ?? null;
}
