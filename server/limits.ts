// Abuse limits: a token bucket per connection, per-address counts (connections, rooms created, bad proofs) and the KDF parameters a room may use.

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

/**
 * Counts something per address key (IPv4 address, IPv6 /64), e.g. open
 * connections; a key whose count falls to 0 is forgotten.
 */
export class AddressCounter {
  private readonly counts = new Map<string, number>();

  count(address: string): number {
    return this.counts.get(addressKey(address)) ?? 0;
  }

  add(address: string): void {
    const key = addressKey(address);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  remove(address: string): void {
    const key = addressKey(address);
    const left = (this.counts.get(key) ?? 0) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}

const HOUR_MS = 3_600_000;

/** At most `max` events per address key in any hour (a sliding window), e.g. rooms created. */
export class HourlyLimit {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly max: number) {}

  /** Counts an event and returns true, or returns false (counting nothing) if the address is at its limit. */
  take(address: string, now: number = Date.now()): boolean {
    const key = addressKey(address);
    const recent = (this.times.get(key) ?? []).filter((t) => now - t < HOUR_MS);
    if (recent.length >= this.max) {
      this.times.set(key, recent);
      return false;
    }
    recent.push(now);
    this.times.set(key, recent);
    return true;
  }

  /** Forgets addresses with no event in the last hour; called periodically. */
  sweep(now: number = Date.now()): void {
    for (const [key, times] of this.times) {
      if (times.every((t) => now - t >= HOUR_MS)) this.times.delete(key);
    }
  }
}

/** The scrypt parameters clients accept (PROTOCOL.md section 3): floor N=2^15, r=8, p=1; ceiling N=2^20, r=16, p=4. */
export const KDF_FLOOR = { n: 2 ** 15, r: 8, p: 1 } as const;
export const KDF_CEILING = { n: 2 ** 20, r: 16, p: 4 } as const;

/**
 * Why no client could join a room with these parameters, or undefined if one
 * could. `floorN` is KDF_FLOOR.n except in tests.
 */
export function kdfProblem(kdf: { n: number; r: number; p: number }, floorN: number = KDF_FLOOR.n): string | undefined {
  const { n, r, p } = kdf;
  if ((n & (n - 1)) !== 0) return `kdf N=${n} is not a power of two`;
  if (n < floorN || r < KDF_FLOOR.r || p < KDF_FLOOR.p) {
    return `kdf N=${n}, r=${r}, p=${p} is below the floor N=${floorN}, r=${KDF_FLOOR.r}, p=${KDF_FLOOR.p} that clients accept`;
  }
  if (n > KDF_CEILING.n || r > KDF_CEILING.r || p > KDF_CEILING.p) {
    return `kdf N=${n}, r=${r}, p=${p} is above the ceiling N=${KDF_CEILING.n}, r=${KDF_CEILING.r}, p=${KDF_CEILING.p} that clients accept`;
  }
  return undefined;
}
