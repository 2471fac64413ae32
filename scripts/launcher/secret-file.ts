import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** A URL-safe random string of `bytes` random bytes (4 characters per 3 bytes). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * The secret stored in `file`, or a new one written there with mode 0600 so that it survives
 * restarts (sessions signed with it stay valid).
 */
export async function readOrCreateSecret(file: string, minLength = 32): Promise<string> {
  const existing = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (existing !== undefined) {
    const secret = existing.trim();
    if (secret.length < minLength) {
      throw new Error(
        `${file} holds fewer than ${minLength} characters; delete it to make a new one`,
      );
    }
    return secret;
  }
  const secret = randomSecret(Math.ceil((minLength * 3) / 4) + 8);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}
