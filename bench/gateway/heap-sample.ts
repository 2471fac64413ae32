/**
 * Profiling aid, preloaded after tsx (`--import ./bench/gateway/heap-sample.ts`) with
 * BENCH_HEAP_SAMPLE_FILE set: V8's sampling heap profiler, counting objects minor and major GCs
 * collected too (what a request allocates, not what stays). Each SIGUSR2 restarts the sampling
 * and writes the samples since the previous one to the file, summarized by allocating frame.
 * BENCH_HEAP_SAMPLE_MINOR=0 leaves out what minor GCs collect: what lived long enough to be
 * promoted (the objects that make scavenges slow), and what is still alive.
 */

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

type Node = {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
};

const file = process.env.BENCH_HEAP_SAMPLE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  const start = () =>
    session.post("HeapProfiler.startSampling", {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.BENCH_HEAP_SAMPLE_MINOR !== "0",
    } as never);
  start();
  process.on("SIGUSR2", () => {
    session.post("HeapProfiler.stopSampling", (error, result) => {
      if (error) return;
      const bySite = new Map<string, number>();
      let total = 0;
      const walk = (node: Node, stack: string[]) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const where = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "")}:${lineNumber + 1}`;
        const path = [...stack, where].slice(-3);
        if (node.selfSize > 0) {
          const key = path.join(" < ");
          bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
          total += node.selfSize;
        }
        for (const child of node.children) walk(child, path);
      };
      walk((result as unknown as { profile: { head: Node } }).profile.head, []);
      const lines = [...bySite.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 60)
        .map(([site, bytes]) => `${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`);
      writeFileSync(file, `${total} bytes sampled\n${lines.join("\n")}\n`);
      start();
    });
  });
}
