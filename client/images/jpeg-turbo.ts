// Decodes JPEGs with libjpeg-turbo compiled to WebAssembly (@cwasm/jpeg-turbo), at a reduced scale when the result is shrunk anyway.
//
// Why: jimp's own JPEG decoder (jpeg-js, plain JavaScript) needs ~2 s and
// ~500 MB to decode a 12 MP photo that we then shrink to 1280 px. libjpeg-turbo
// can decode straight to M/8 of the size by running a smaller inverse DCT per
// block ("DCT scaling"), so a 4000x3000 photo comes out at 1500x1125 in a
// fraction of the time and memory, and jimp's resampler does the rest.
//
// The package's own wrapper decodes at full size only, so we call the exported
// TurboJPEG functions (tjDecompressHeader3, tjDecompress2) on the .wasm it
// ships. Each decode gets a fresh instance: a failing libjpeg call leaves the
// instance mid-call (its longjmp becomes a JS exception), and a dropped
// instance gives its memory back instead of keeping the high-water mark.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const TJPF_RGBA = 7;
const WASM_FILE = 'jpeg-turbo.wasm';

/** libjpeg-turbo's scaling factors up to 1/1 (turbojpeg.c sf[]), smallest first. */
const SCALES: readonly (readonly [number, number])[] = [
  [1, 8],
  [1, 4],
  [3, 8],
  [1, 2],
  [5, 8],
  [3, 4],
  [7, 8],
  [1, 1],
];

// The few WebAssembly APIs used here, typed locally: client/ is checked without DOM types.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  RuntimeError: new () => Error;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let configuredPath: string | null | undefined;
let compiled: WasmModule | null | undefined;

/**
 * Tells where jpeg-turbo.wasm is when the code runs from a bundle (the
 * extension copies it next to its bundle); null turns the WebAssembly decoder
 * off (jimp's slower decoder is used); undefined restores the default search:
 * next to this module's bundle, then in node_modules.
 */
export function setJpegWasmPath(path: string | null | undefined): void {
  configuredPath = path;
  compiled = undefined;
}

function candidatePaths(): string[] {
  if (configuredPath === null) return [];
  const paths: string[] = [];
  if (configuredPath !== undefined) paths.push(configuredPath);
  if (typeof __dirname === 'string') paths.push(join(__dirname, WASM_FILE));
  try {
    const req = typeof require === 'function' ? require : createRequire(import.meta.url);
    paths.push(req.resolve(`@cwasm/jpeg-turbo/${WASM_FILE}`));
  } catch {
    // Not installed or not resolvable from a bundle: the caller falls back to jimp's decoder.
  }
  return paths;
}

function wasmModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  for (const path of candidatePaths()) {
    if (!existsSync(path)) continue;
    try {
      compiled = new wasm.Module(readFileSync(path));
      break;
    } catch {
      // A broken file: try the next place.
    }
  }
  return compiled;
}

/** True when the WebAssembly decoder can be used here. */
export function jpegTurboAvailable(): boolean {
  return wasmModule() !== null;
}

interface TurboExports {
  memory: WasmMemory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDestroy(handle: number): number;
  tjDecompressHeader3(handle: number, buf: number, size: number, w: number, h: number, sub: number, cs: number): number;
  tjDecompress2(handle: number, buf: number, size: number, dst: number, w: number, pitch: number, h: number, pf: number, flags: number): number;
}

class TurboFailure extends Error {}

function instantiate(module: WasmModule): TurboExports {
  const fail = (what: string) => (): never => {
    throw new TurboFailure(what);
  };
  const instance = new wasm.Instance(module, {
    // libjpeg reports fatal errors through longjmp; throwing unwinds the whole call instead.
    env: { setjmp: () => 0, longjmp: fail('libjpeg error') },
    wasi_snapshot_preview1: {
      environ_sizes_get: () => 0,
      environ_get: fail('environ_get'),
      proc_exit: fail('proc_exit'),
      fd_close: fail('fd_close'),
      fd_seek: fail('fd_seek'),
      fd_write: fail('fd_write'),
    },
  });
  return instance.exports as unknown as TurboExports;
}

/** The smallest DCT scale whose longer side still reaches `targetLongSide` (never below it, so quality holds). */
export function chooseScale(width: number, height: number, targetLongSide: number): readonly [number, number] {
  const long = Math.max(width, height);
  for (const scale of SCALES) {
    if (Math.ceil((long * scale[0]) / scale[1]) >= targetLongSide) return scale;
  }
  return [1, 1];
}

export interface DecodedBitmap {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes to RGBA, scaled so that the longer side is at least
 * `targetLongSide` (or full size when smaller). Returns undefined when the
 * decoder is unavailable or libjpeg refused the data (CMYK, arithmetic coding
 * in some builds, damaged data): the caller then tries jimp's own decoder.
 */
export function decodeJpegScaled(bytes: Uint8Array, targetLongSide: number): DecodedBitmap | undefined {
  const module = wasmModule();
  if (module === null) return undefined;
  try {
    const tj = instantiate(module);
    const input = tj.malloc(bytes.length);
    const meta = tj.malloc(16);
    const handle = tj.tjInitDecompress();
    if (input === 0 || meta === 0 || handle === 0) return undefined;
    new Uint8Array(tj.memory.buffer, input, bytes.length).set(bytes);
    if (tj.tjDecompressHeader3(handle, input, bytes.length, meta, meta + 4, meta + 8, meta + 12) !== 0) return undefined;
    const header = new DataView(tj.memory.buffer, meta, 16);
    const fullW = header.getInt32(0, true);
    const fullH = header.getInt32(4, true);
    const [num, den] = chooseScale(fullW, fullH, targetLongSide);
    const width = Math.ceil((fullW * num) / den);
    const height = Math.ceil((fullH * num) / den);
    const size = width * height * 4;
    const output = tj.malloc(size);
    if (output === 0) return undefined;
    // Clear the last pixel: if libjpeg picked another scale than ours it stays clear and we notice.
    new Uint8Array(tj.memory.buffer, output + size - 4, 4).fill(0);
    // tjDecompress2 picks the largest scaling factor that fits in width x height: exactly ours.
    const status = tj.tjDecompress2(handle, input, bytes.length, output, width, width * 4, height, TJPF_RGBA, 0);
    if (status !== 0) return undefined;
    const pixels = new Uint8Array(tj.memory.buffer, output, size);
    if (pixels[size - 1] !== 255) return undefined;
    // Copy out of the instance's memory, which is dropped with the instance.
    return { data: Buffer.from(pixels), width, height };
  } catch (error) {
    if (error instanceof TurboFailure || error instanceof wasm.RuntimeError || error instanceof RangeError) {
      return undefined;
    }
    throw error;
  }
}
