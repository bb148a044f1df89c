// Free space on the data volume: refuses writes that would eat into the reserve (`--min-free-bytes`).

import { readFileSync, statfsSync } from 'node:fs';

/** How long a statfs answer is trusted; bytes accepted since are subtracted from it. */
const REFRESH_MS = 250;

export interface DiskSpaceOptions {
  /** A path on the data volume (the data folder). */
  dir: string;
  /** Bytes to keep free. */
  reserve: number;
  /**
   * Tests only: a file holding a number of free bytes that replaces statfs's
   * answer, so the full-disk path can be tested without filling a disk.
   */
  testFile?: string;
}

export class DiskSpace {
  private free = 0;
  /** Bytes accepted since `free` was read. */
  private taken = 0;
  private readAt = -Infinity;

  constructor(private readonly options: DiskSpaceOptions) {}

  /** Reserves room for `bytes` more and returns true, or returns false if that would break the reserve. */
  take(bytes: number, now: number = performance.now()): boolean {
    if (now - this.readAt > REFRESH_MS) {
      this.free = this.available();
      this.taken = 0;
      this.readAt = now;
    }
    if (this.free - this.taken - bytes < this.options.reserve) return false;
    this.taken += bytes;
    return true;
  }

  /** Bytes available to this (unprivileged) process on the volume. */
  private available(): number {
    const { testFile } = this.options;
    if (testFile !== undefined) {
      try {
        const n = Number(readFileSync(testFile, 'utf8').trim());
        return Number.isFinite(n) ? n : 0;
      } catch {
        return 0;
      }
    }
    try {
      const stats = statfsSync(this.options.dir);
      return stats.bavail * stats.bsize;
    } catch {
      // Cannot tell (an exotic file system): do not refuse writes for it.
      return Number.MAX_SAFE_INTEGER;
    }
  }
}
