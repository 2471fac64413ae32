import type { UserRole } from "@/lib/contracts/identity";
import type { InteractionType } from "@/lib/contracts/learning";

/** The longest title an entry gets (the limit of titles added over HTTP). */
export const MAX_TITLE_LENGTH = 200;

/** `Registered on Keiko as student, tutor`: the title of a registration entry (ADR 0011). */
export function registrationTitle(roles: readonly UserRole[]): string {
  return `Registered on Keiko as ${roles.join(", ")}`;
}

/** `Lesson: fractions`, cut to 199 characters and `…` past 200 (ADR 0011). */
export function interactionTitle(type: InteractionType, content: string): string {
  const title = `${type.charAt(0).toUpperCase()}${type.slice(1)}: ${content}`;
  return title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title;
}
