import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** Writes each non-blank line of `stream` as `[name] line`, so interleaved output stays attributable. */
export function prefixLines(
  stream: Readable,
  name: string,
  write: (line: string) => void = console.log,
): void {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (line) => {
    if (line.trim() !== "") write(`[${name}] ${line}`);
  });
}

/** Splits a chunk of text into `[name] line` lines, dropping blank ones. */
export function prefixText(text: string, name: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) => `[${name}] ${line}`);
}
