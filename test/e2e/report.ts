// Timing and step reporting for the end-to-end suite: every part is bounded, timed and named in failures.
import { E2eError, within } from './proc';

export class Report {
  readonly timings: { part: string; ms: number; ok: boolean }[] = [];
  private readonly started = Date.now();

  log(message: string): void {
    const s = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    console.log(`[e2e ${s}s] ${message}`);
  }

  record(part: string, ms: number, ok = true): void {
    this.timings.push({ part, ms, ok });
    this.log(`${ok ? 'done' : 'FAILED'}: ${part} (${(ms / 1000).toFixed(1)} s)`);
  }

  /** Runs one named part within `timeoutMs`; its duration is recorded whether it passes or fails. */
  async part<T>(name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    this.log(`start: ${name}`);
    const t = Date.now();
    try {
      const result = await within(timeoutMs, name, fn);
      this.record(name, Date.now() - t);
      return result;
    } catch (err) {
      this.record(name, Date.now() - t, false);
      if (err instanceof E2eError && err.message.startsWith(`${name}:`)) throw err;
      throw new E2eError('step_failed', `${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  summary(): string {
    const width = Math.max(...this.timings.map((t) => t.part.length), 10);
    const lines = this.timings.map((t) => `  ${t.ok ? '  ' : '✗ '}${t.part.padEnd(width)}  ${(t.ms / 1000).toFixed(1).padStart(6)} s`);
    lines.push(`  ${'  '}${'total'.padEnd(width)}  ${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)} s`);
    return lines.join('\n');
  }
}
