// Object URLs for image bytes the host serves by reference (sender fingerprint, cid): one request per image, shared by concurrent asks, kept until released.

import type { ImageMime, ImageRef } from '../protocol/webview';

interface Waiting {
  promise: Promise<string>;
  resolve(url: string): void;
}

/** The bytes of one `imageBytes` answer, as the cache needs them. */
export interface ServedImage {
  sender: string;
  cid: string;
  mime: ImageMime;
  data: Uint8Array;
}

function refKey(sender: string, cid: string): string {
  // A newline can be in neither a fingerprint nor a cid, so two refs never share a key.
  return `${sender}\n${cid}`;
}

export class ImageCache {
  private readonly urls = new Map<string, string>();
  private readonly waiting = new Map<string, Waiting>();

  /** `ask` posts one request to the host; it is called at most once per ref until the ref is released. */
  constructor(private readonly ask: (ref: ImageRef) => void) {}

  /** The cached URL, if the bytes are here (a redraw after hide/show needs no request). */
  cached(ref: ImageRef): string | undefined {
    return this.urls.get(refKey(ref.key, ref.cid));
  }

  /** Resolves with a blob: URL once the bytes arrive; asks the host only for the first of concurrent calls. */
  url(ref: ImageRef): Promise<string> {
    const key = refKey(ref.key, ref.cid);
    const known = this.urls.get(key);
    if (known !== undefined) return Promise.resolve(known);
    const pending = this.waiting.get(key);
    if (pending) return pending.promise;
    let resolve!: (url: string) => void;
    const promise = new Promise<string>((r) => (resolve = r));
    this.waiting.set(key, { promise, resolve });
    this.ask(ref);
    return promise;
  }

  /** Takes an answer from the host; an answer nobody asked for (or a repeat) is ignored, so it cannot fill the cache. */
  deliver(served: ServedImage): void {
    const key = refKey(served.sender, served.cid);
    const pending = this.waiting.get(key);
    if (!pending || this.urls.has(key)) return;
    // Copy into a fresh ArrayBuffer: the bytes may be a view into a larger buffer.
    const url = URL.createObjectURL(new Blob([served.data.slice()], { type: served.mime }));
    this.urls.set(key, url);
    this.waiting.delete(key);
    pending.resolve(url);
  }

  /** Releases one image's URL (its row is gone); a later ask fetches the bytes again. */
  release(ref: ImageRef): void {
    const key = refKey(ref.key, ref.cid);
    const url = this.urls.get(key);
    if (url !== undefined) URL.revokeObjectURL(url);
    this.urls.delete(key);
  }

  /** Releases every URL (the view goes away). Asks still on their way stay waiting: a late answer still resolves them. */
  clear(): void {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
  }

  get size(): number {
    return this.urls.size;
  }
}
