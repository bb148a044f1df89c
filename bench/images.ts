// npm run bench:images — median time and peak memory to prepare a 12 MP photo and a 4K PNG: our pipeline beside plain jimp.
//
// The parent makes the two test files, then runs every case in its own child
// process (5 runs each), so that each peak RSS belongs to one case alone.
// "plain jimp" is what the issue measured: Jimp.read, scaleToFit 1280, encode
// to the same type our pipeline sends. Node runs the cases as the extension
// host does; the pipeline also runs on Bun (the CLI's runtime) when present.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Jimp } from 'jimp';
import { checkReceivedImage } from '../client/images/check';
import { prepareImage } from '../client/images/prepare';

const RUNS = 5;
const MAX_SIDE = 1280;

type CaseName = 'pipeline' | 'plain-jimp';

interface ChildResult {
  medianMs: number;
  /** CPU time (user + system) of the median run: less sensitive than wall time to other work on the machine. */
  medianCpuMs: number;
  runsMs: number[];
  baselineRssMb: number;
  peakRssMb: number;
  out: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** Runs one case RUNS times in this process and prints a JSON line. */
async function child(kind: CaseName, file: string, outMime: 'image/jpeg' | 'image/png'): Promise<void> {
  gc();
  const baselineRssMb = process.memoryUsage().rss / 1e6;
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  let out = '';
  for (let i = 0; i < RUNS; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    if (kind === 'pipeline') {
      const image = await prepareImage({ path: file }, { maxSide: MAX_SIDE });
      out = `${image.mime} ${image.w}x${image.h} ${Math.round(image.data.length / 1024)} KiB`;
    } else {
      const image = await Jimp.read(file);
      image.scaleToFit({ w: MAX_SIDE, h: MAX_SIDE });
      const data = outMime === 'image/png' ? await image.getBuffer('image/png') : await image.getBuffer('image/jpeg', { quality: 85 });
      out = `${outMime} ${image.bitmap.width}x${image.bitmap.height} ${Math.round(data.length / 1024)} KiB`;
    }
    runsMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    gc();
  }
  // maxRSS is in kilobytes on Linux (Node and Bun alike).
  const peakRssMb = process.resourceUsage().maxRSS / 1e3;
  const result: ChildResult = { medianMs: median(runsMs), medianCpuMs: median(cpuMs), runsMs, baselineRssMb, peakRssMb, out };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A photo-like 4000x3000 picture: gradients, shapes and sensor-like noise (compresses like a real photo). */
function photoPixels(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const n = (rnd() - 0.5) * 18;
      data[i] = 120 + 90 * Math.sin(x / 310) * Math.cos(y / 170) + 20 * Math.sin((x * y) / 90000) + n;
      data[i + 1] = 60 + (x * 140) / width + 25 * Math.sin(y / 37) + n;
      data[i + 2] = 40 + (y * 160) / height + 30 * Math.cos((x + 2 * y) / 57) + n;
      data[i + 3] = 255;
    }
  }
  // Some hard-edged objects, like buildings and signs in a street photo.
  for (let k = 0; k < 300; k++) {
    const w = 20 + Math.floor(rnd() * 300);
    const h = 20 + Math.floor(rnd() * 300);
    const x0 = Math.floor(rnd() * (width - w));
    const y0 = Math.floor(rnd() * (height - h));
    const c = [rnd() * 255, rnd() * 255, rnd() * 255];
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const i = (y * width + x) * 4;
        data[i] = (c[0] ?? 0) + (rnd() - 0.5) * 10;
        data[i + 1] = (c[1] ?? 0) + (rnd() - 0.5) * 10;
        data[i + 2] = (c[2] ?? 0) + (rnd() - 0.5) * 10;
      }
    }
  }
  return data;
}

/** A 3840x2160 screenshot-like picture: flat panels, text-like stripes, a gradient. */
function screenshotPixels(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const panel = x < 600 ? 40 : y < 120 ? 60 : 250;
      const text = x > 700 && x < 3600 && y % 48 < 14 && (x * 7 + y) % 23 < 9 ? -200 : 0;
      data[i] = Math.max(0, panel + text);
      data[i + 1] = Math.max(0, panel + text + (y * 40) / height);
      data[i + 2] = Math.max(0, panel + text + (x * 60) / width);
      data[i + 3] = 255;
    }
  }
  return data;
}

/** APP1 EXIF with orientation 6, camera make and a GPS position: what a phone writes. */
function exifApp1(): Uint8Array {
  const tiff = Buffer.alloc(96);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(2, 8); // IFD0: Orientation, GPS pointer
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(6, 18);
  tiff.writeUInt16BE(0x8825, 22);
  tiff.writeUInt16BE(4, 24);
  tiff.writeUInt32BE(1, 26);
  tiff.writeUInt32BE(38, 30);
  tiff.writeUInt32BE(0, 34);
  tiff.writeUInt16BE(1, 38); // GPS IFD: latitude
  tiff.writeUInt16BE(0x0002, 40);
  tiff.writeUInt16BE(5, 42);
  tiff.writeUInt32BE(3, 44);
  tiff.writeUInt32BE(56, 48);
  tiff.writeUInt32BE(0, 52);
  [48, 1, 51, 1, 2960, 100].forEach((v, i) => tiff.writeUInt32BE(v, 56 + i * 4));
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([header, payload]);
}

/** checkReceivedImage is on every received image's path: its cost on a sent photo and on a worst-case 16 MiB PNG. */
function receiverCheckLine(photo: { mime: 'image/png' | 'image/jpeg'; w: number; h: number; data: Uint8Array }): string {
  const time = (fields: unknown, runs: number): number => {
    const start = performance.now();
    for (let i = 0; i < runs; i++) if (!checkReceivedImage(fields).ok) throw new Error('check refused a good image');
    return (performance.now() - start) / runs;
  };
  // 16 MiB of 12-byte empty IDAT chunks: the most chunks the header walk can meet within the size limit.
  const chunks = Math.floor((16 * 1024 * 1024 - 8 - 25 - 12) / 12);
  const big = Buffer.alloc(8 + 25 + chunks * 12 + 12);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(big, 0);
  big.writeUInt32BE(13, 8);
  big.write('IHDR', 12, 'latin1');
  big.writeUInt32BE(4000, 16);
  big.writeUInt32BE(3000, 20);
  for (let i = 0; i < chunks; i++) big.write('IDAT', 33 + i * 12 + 4, 'latin1');
  big.write('IEND', 33 + chunks * 12 + 4, 'latin1');
  const photoUs = time(photo, 2000) * 1000;
  const bigMs = time({ mime: 'image/png', w: 4000, h: 3000, data: big }, 5);
  return `checkReceivedImage (receiver, header only): ${photoUs.toFixed(1)} µs for the prepared photo (${Math.round(photo.data.length / 1024)} KiB), ${bigMs.toFixed(1)} ms for a 16 MiB PNG of ${chunks} chunks`;
}

function runChild(runtime: string[], kind: CaseName, file: string, outMime: string): ChildResult {
  const result = spawnSync(runtime[0] ?? 'node', [...runtime.slice(1), __filename, '--child', kind, file, outMime], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`child ${kind} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(line) as ChildResult;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-images-'));
  try {
    process.stderr.write('making a 12 MP JPEG (4000x3000, EXIF orientation 6 + GPS) and a 4K PNG (3840x2160)...\n');
    const photo = await Jimp.fromBitmap({ data: photoPixels(4000, 3000), width: 4000, height: 3000 }).getBuffer('image/jpeg', { quality: 92 });
    const photoFile = join(dir, 'photo-12mp.jpg');
    writeFileSync(photoFile, Buffer.concat([photo.subarray(0, 2), exifApp1(), photo.subarray(2)]));
    const screenshot = await Jimp.fromBitmap({ data: screenshotPixels(3840, 2160), width: 3840, height: 2160 }).getBuffer('image/png');
    const pngFile = join(dir, 'screen-4k.png');
    writeFileSync(pngFile, screenshot);

    const node = [process.execPath, '--expose-gc', '--import', 'tsx'];
    const bunPath = resolve(__dirname, '..', 'node_modules', '.bin', 'bun');
    const inputs = [
      { label: `12 MP JPEG (${(photo.length / 1e6).toFixed(1)} MB)`, file: photoFile },
      { label: `4K PNG (${(screenshot.length / 1e6).toFixed(1)} MB)`, file: pngFile },
    ];
    const rows: string[] = [];
    for (const input of inputs) {
      // Our pipeline first, to learn the output type plain jimp should produce too.
      const ours = runChild(node, 'pipeline', input.file, '');
      const outMime = ours.out.split(' ')[0] ?? 'image/jpeg';
      const plain = runChild(node, 'plain-jimp', input.file, outMime);
      const bun = existsSync(bunPath) ? runChild([bunPath], 'pipeline', input.file, '') : undefined;
      const row = (who: string, r: ChildResult): string =>
        `| ${input.label} | ${who} | ${Math.round(r.medianMs)} | ${Math.round(r.medianCpuMs)} | ${r.runsMs.map((v) => Math.round(v)).join(', ')} | ${Math.round(r.peakRssMb)} | ${Math.round(r.baselineRssMb)} | ${r.out} |`;
      rows.push(row('ours, Node', ours), row('plain jimp, Node', plain));
      if (bun) rows.push(row('ours, Bun', bun));
    }
    console.log(`prepare to ${MAX_SIDE} px, ${RUNS} runs per case, each case in its own process (${process.version}, Bun ${existsSync(bunPath) ? 'as in node_modules' : 'absent'})`);
    console.log('');
    const load = loadavg()[0] ?? 0;
    console.log(`load average (1 min) at the end: ${load.toFixed(2)} on ${cpus().length} cores${load > cpus().length ? ' (a busy machine: wall times are inflated; the CPU column less so)' : ''}`);
    console.log('');
    console.log('| input | pipeline | median ms | median CPU ms | runs ms | peak RSS MB | RSS before first run MB | output |');
    console.log('| --- | --- | ---: | ---: | --- | ---: | ---: | --- |');
    for (const row of rows) console.log(row);
    console.log('');
    console.log(receiverCheckLine(await prepareImage({ path: photoFile })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const run =
  args[0] === '--child'
    ? child(args[1] as CaseName, args[2] ?? '', (args[3] as 'image/jpeg' | 'image/png' | undefined) ?? 'image/jpeg')
    : main();
run.catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
