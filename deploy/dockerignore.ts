/**
 * Docker's .dockerignore rules (moby/patternmatcher): patterns are anchored at the context root,
 * `*` and `?` stay within one path segment, `**` spans segments, a pattern that matches a folder
 * matches everything below it, `!` re-includes, and the last matching pattern wins. Written here
 * because gitignore matchers (the `ignore` package) read `*` differently.
 */
type Rule = { negated: boolean; regex: RegExp };

function toRegex(pattern: string): RegExp {
  let source = "";
  const cleaned = pattern.replace(/^\/+/, "").replace(/\/+$/, "");
  for (let i = 0; i < cleaned.length; i++) {
    const char = cleaned.charAt(i);
    if (cleaned.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (cleaned.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Parses a .dockerignore file's text into rules, in order. */
export function parseDockerignore(text: string): Rule[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      return { negated, regex: toRegex(negated ? line.slice(1).trim() : line) };
    });
}

/** Whether `file` (a path relative to the context, with `/`) is left out of the build context. */
export function isIgnored(rules: Rule[], file: string): boolean {
  const segments = file.split("/");
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negated;
  }
  return ignored;
}
