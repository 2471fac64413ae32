/** The part of a validation issue a person needs: where, and what is wrong. */
export type IssueLike = { readonly path: readonly PropertyKey[]; readonly message: string };

/** A located issue, ready to be sent in `details.issues` of an error body. */
export type FormattedIssue = { path: string; message: string };

const MAX_ISSUES_IN_MESSAGE = 5;

/** `["roles", 0, "name"]` → `roles[0].name`; a prefix such as `body` goes in front. */
export function formatPath(path: readonly PropertyKey[], prefix?: string): string {
  let out = prefix ?? "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

// zod 4 reports a missing value as "expected X, received undefined"; "is required" reads better.
function humanMessage(message: string): string {
  return /received undefined$/.test(message) ? "is required" : message;
}

/** Issues with readable paths and messages, in their original order. */
export function formatIssues(issues: readonly IssueLike[], prefix?: string): FormattedIssue[] {
  return issues.map((issue) => ({
    path: formatPath(issue.path, prefix),
    message: humanMessage(issue.message),
  }));
}

/** One line for people, e.g. `body.displayName: is required; body.roles[0]: Invalid option…`. */
export function describeIssues(issues: readonly IssueLike[], prefix?: string): string {
  const formatted = formatIssues(issues, prefix);
  const shown = formatted
    .slice(0, MAX_ISSUES_IN_MESSAGE)
    .map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`));
  const more = formatted.length - shown.length;
  return more > 0 ? `${shown.join("; ")}; and ${more} more` : shown.join("; ");
}
