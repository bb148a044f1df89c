// Which rows of a long room to draw (issue 16: the DOM grew from 147 to 4,047
// elements while scrolling 2,000 messages): given each row's height (measured,
// or estimated until it is), the scroll offset and the viewport, the range near
// the viewport plus the space to reserve above and below it. Also each room's
// scroll position, kept when switching rooms. Pure: no DOM, unit-tested.

/** Pixels drawn beyond each edge of the viewport, so fast scrolling does not show gaps. */
export const OVERSCAN_PX = 600;

/** Heights of rows by key: measured ones, and an estimate for the rest. */
export class RowHeights {
  private readonly measured = new Map<string, number>();
  private total = 0;

  constructor(private readonly fallback = 48) {}

  set(key: string, height: number): void {
    if (!(height >= 0) || !Number.isFinite(height)) return;
    this.total += height - (this.measured.get(key) ?? 0);
    this.measured.set(key, height);
  }

  /** The measured height, else the average of those measured (the fallback before any). */
  get(key: string): number {
    return this.measured.get(key) ?? this.estimate();
  }

  estimate(): number {
    return this.measured.size === 0 ? this.fallback : this.total / this.measured.size;
  }

  /** Forgets rows no longer in the room (so the estimate follows what is there). */
  retain(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const [key, height] of this.measured) {
      if (keep.has(key)) continue;
      this.measured.delete(key);
      this.total -= height;
    }
  }
}

export interface RowWindow {
  /** First row to draw. */
  start: number;
  /** One past the last row to draw. */
  end: number;
  /** Space to reserve above the first drawn row. */
  padTop: number;
  /** Space to reserve below the last drawn row. */
  padBottom: number;
  /** Height of all rows. */
  total: number;
}

/** Offsets[i] = the top of row i; offsets[n] = the total height. */
export function offsets(heights: readonly number[]): number[] {
  const out = new Array<number>(heights.length + 1);
  out[0] = 0;
  for (let i = 0; i < heights.length; i++) out[i + 1] = out[i]! + heights[i]!;
  return out;
}

/** The first row whose bottom is below `y` (binary search over the offsets). */
function rowAt(tops: readonly number[], y: number): number {
  let lo = 0;
  let hi = tops.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid + 1]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows to draw for this scroll offset and viewport height. */
export function visibleWindow(heights: readonly number[], scrollTop: number, viewport: number, overscan = OVERSCAN_PX): RowWindow {
  const tops = offsets(heights);
  const total = tops[heights.length]!;
  if (heights.length === 0) return { start: 0, end: 0, padTop: 0, padBottom: 0, total };
  const top = Math.max(0, Math.min(scrollTop, total) - overscan);
  const bottom = Math.min(total, Math.max(0, scrollTop) + Math.max(0, viewport) + overscan);
  const start = rowAt(tops, top);
  const end = Math.max(start + 1, rowAt(tops, Math.max(top, bottom - 1e-9)) + 1);
  return { start, end, padTop: tops[start]!, padBottom: total - tops[end]!, total };
}

/** Where a room was read: at the newest message, or a row's key and how far the viewport's top was into it. */
export type ScrollPlace = { kind: 'bottom' } | { kind: 'anchor'; key: string; offset: number };

/** Each room's place, so switching rooms and back returns to it instead of jumping to the bottom. */
export class ScrollMemory {
  private readonly places = new Map<string, ScrollPlace>();

  remember(room: string, place: ScrollPlace): void {
    this.places.set(room, place);
  }

  /** A room never seen opens at the newest message. */
  recall(room: string): ScrollPlace {
    return this.places.get(room) ?? { kind: 'bottom' };
  }

  forget(room: string): void {
    this.places.delete(room);
  }
}

/**
 * The place to remember for a list: 'bottom' when within `slack` of the end,
 * else the row at the viewport's top and the offset into it.
 */
export function placeOf(keys: readonly string[], heights: readonly number[], scrollTop: number, viewport: number, slack = 48): ScrollPlace {
  const tops = offsets(heights);
  const total = tops[heights.length]!;
  if (keys.length === 0 || total - scrollTop - viewport <= slack) return { kind: 'bottom' };
  const row = rowAt(tops, Math.max(0, scrollTop));
  return { kind: 'anchor', key: keys[row]!, offset: scrollTop - tops[row]! };
}

/** The scroll offset that shows `place` again (the bottom when its row is gone). */
export function scrollTopFor(place: ScrollPlace, keys: readonly string[], heights: readonly number[], viewport: number): number {
  const tops = offsets(heights);
  const total = tops[heights.length]!;
  const bottom = Math.max(0, total - viewport);
  if (place.kind === 'bottom') return bottom;
  const row = keys.indexOf(place.key);
  return row < 0 ? bottom : Math.min(bottom, tops[row]! + place.offset);
}
