/**
 * Prints the top frames of a V8 CPU profile (`node --cpu-prof`) by self time:
 * `npx tsx bench/gateway/profile-top.ts <file.cpuprofile|dir> [count]` (a directory: its newest profile).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

function newestProfile(target: string): string {
  if (!statSync(target).isDirectory()) return target;
  const files = readdirSync(target)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => path.join(target, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files[0]) throw new Error(`no .cpuprofile in ${target}`);
  return files[0];
}

const [target = ".", countText = "25"] = process.argv.slice(2);
const file = newestProfile(target);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const node = byId.get(id);
  const micros = profile.timeDeltas[index] ?? 0;
  if (!node) return;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(services|lib)\//, "$1/")}:${lineNumber + 1}`
    : "";
  const name = `${functionName || "(anonymous)"} ${where}`.trim();
  self.set(name, (self.get(name) ?? 0) + micros);
  total += micros;
});
const idle = self.get("(idle)") ?? 0;
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((100 * idle) / total).toFixed(0)} % idle`,
);
console.log("self %  (of busy)  frame");
const busy = total - idle;
[...self.entries()]
  .filter(([name]) => name !== "(idle)")
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(countText))
  .forEach(([name, micros]) => {
    console.log(`${((100 * micros) / busy).toFixed(1).padStart(6)}  ${name}`);
  });
