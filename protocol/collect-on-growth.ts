// Garbage collection paced by resident memory, for the file paths of the server and the CLI (see bench:files).

/** Blob bytes between two looks at resident memory. */
const CHECK_EVERY_BYTES = 8 * 1024 * 1024;

/** The runtime's synchronous full collection, if it has one (Bun; Node only with --expose-gc). */
function fullCollection(): (() => void) | undefined {
  const runtime = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (runtime.Bun) return () => runtime.Bun?.gc(true);
  return runtime.gc;
}

/**
 * Returns `moved(bytes)`: every CHECK_EVERY_BYTES moved it looks at resident memory and runs a full
 * collection once it grew by `growthBytes` since the last one. Each chunk of a file leaves a few MiB
 * of buffers behind (socket reads, frame bodies, cipher output), and the engine's own collections
 * left so much of them resident that a 1 GiB file took either side past 150 MB. `residentBytes`:
 * process.memoryUsage.rss (passed in: this folder is also built for the browser, without Node's types).
 */
export function collectOnGrowth(growthBytes: number, residentBytes: () => number): (bytes: number) => void {
  const collect = fullCollection();
  let sinceCheck = 0;
  let residentAfterCollect = 0;
  return (bytes) => {
    if (!collect) return;
    sinceCheck += bytes;
    if (sinceCheck < CHECK_EVERY_BYTES) return;
    sinceCheck = 0;
    if (residentBytes() < residentAfterCollect + growthBytes) return;
    collect();
    residentAfterCollect = residentBytes();
  };
}
