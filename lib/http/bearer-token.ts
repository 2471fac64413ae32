import { ServiceAuthError } from "@/lib/auth/service-auth-error";

/** The token of an `Authorization: Bearer <token>` header; a missing header gives `undefined`. */
export function readBearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new ServiceAuthError(
      "malformed",
      "expected an Authorization header of the form Bearer <token>",
    );
  }
  return match[1];
}

/** The `Authorization` header value that carries `token`. */
export function bearerHeader(token: string): string {
  return `Bearer ${token}`;
}
