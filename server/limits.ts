// Abuse limits: a token bucket per connection, and the per-address slow-down after repeated bad proofs.

/** Frames per second with a burst allowance; refills continuously. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token; false when the bucket is empty (the frame is over the limit). */
  take(now: number = performance.now()): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until take() can next succeed (0 if it can now). */
  waitMs(now: number = performance.now()): number {
    const tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.rate) / 1000);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / this.rate);
  }
}

/**
 * The unit the bad-proof slow-down counts per: an IPv4 address (IPv4-mapped IPv6
 * included), or an IPv6 /64, since one host usually holds a whole /64 and could
 * otherwise rotate addresses to dodge the count.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, ''); // zone id
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return mapped[1];
  if (!bare.includes(':')) return bare;
  const [head = '', tail = ''] = bare.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = bare.includes('::')
    ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

interface Failures {
  count: number;
  /** When the first failure of the current window happened. */
  since: number;
  last: number;
}

export interface ProofThrottleOptions {
  /** Failures allowed in a window before answers are delayed. */
  free: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const PROOF_THROTTLE_DEFAULTS: ProofThrottleOptions = {
  free: 3,
  windowMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
};

/**
 * Slows down guessing passphrases: after `free` bad proofs from one address
 * within a window, every further join or create from it waits a delay that
 * doubles per failure, up to a cap. A good proof clears the address.
 */
export class ProofThrottle {
  private readonly byAddress = new Map<string, Failures>();

  constructor(private readonly options: ProofThrottleOptions = PROOF_THROTTLE_DEFAULTS) {}

  /** How long to wait before answering a join or create from this address. */
  delayFor(address: string, now: number = Date.now()): number {
    const entry = this.current(addressKey(address), now);
    if (!entry || entry.count < this.options.free) return 0;
    const doublings = Math.min(entry.count - this.options.free, 20);
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** doublings);
  }

  failed(address: string, now: number = Date.now()): void {
    const key = addressKey(address);
    const entry = this.current(key, now);
    if (entry) {
      entry.count++;
      entry.last = now;
    } else {
      this.byAddress.set(key, { count: 1, since: now, last: now });
    }
  }

  succeeded(address: string): void {
    this.byAddress.delete(addressKey(address));
  }

  /** Forgets addresses whose last failure is older than the window; called periodically. */
  sweep(now: number = Date.now()): void {
    for (const [address, entry] of this.byAddress) {
      if (now - entry.last > this.options.windowMs) this.byAddress.delete(address);
    }
  }

  private current(key: string, now: number): Failures | undefined {
    const entry = this.byAddress.get(key);
    // A window keeps sliding while failures keep coming, so a steady guesser stays slowed.
    if (entry && now - entry.last > this.options.windowMs) {
      this.byAddress.delete(key);
      return undefined;
    }
    return entry;
  }
}
