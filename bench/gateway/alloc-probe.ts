/**
 * Preloaded into the benchmark's gateway (`--import ./bench/gateway/alloc-probe.ts`): counts the
 * bytes the process allocates on the V8 heap and its GC time, from v8.GCProfiler (heap used
 * before and after every collection). On SIGUSR2 it appends one JSON line
 * `{"allocatedBytes":…,"gcMs":…,"atMs":…}` (totals since start) to BENCH_ALLOC_FILE.
 */
import { appendFileSync } from "node:fs";
import v8 from "node:v8";

const file = process.env.BENCH_ALLOC_FILE;
if (file) {
  let profiler = new v8.GCProfiler();
  profiler.start();
  let lastUsed = v8.getHeapStatistics().used_heap_size;
  let allocated = 0;
  let gcMicros = 0;
  process.on("SIGUSR2", () => {
    const result = profiler.stop() as {
      statistics: Array<{
        cost: number;
        beforeGC: { heapStatistics: { usedHeapSize: number } };
        afterGC: { heapStatistics: { usedHeapSize: number } };
      }>;
    };
    for (const gc of result?.statistics ?? []) {
      allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - lastUsed);
      lastUsed = gc.afterGC.heapStatistics.usedHeapSize;
      gcMicros += gc.cost;
    }
    const used = v8.getHeapStatistics().used_heap_size;
    allocated += Math.max(0, used - lastUsed);
    lastUsed = used;
    appendFileSync(
      file,
      `${JSON.stringify({ allocatedBytes: allocated, gcMs: gcMicros / 1000, atMs: performance.now() })}\n`,
    );
    profiler = new v8.GCProfiler();
    profiler.start();
  });
}
