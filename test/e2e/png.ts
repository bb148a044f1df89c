// Writes a recognisable PNG (colour bands with grain, a checker in the middle) for the image step, so no binary fixture is kept in git.
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * An RGB PNG of `w` x `h`: four coloured bands with a checker in the middle. The bands carry a
 * deterministic grain so the file is photo-sized (hundreds of KiB at 640x480), not a few bytes.
 */
export function testPng(w = 640, h = 480): Buffer {
  let seed = 0x2545f491;
  const grain = (): number => {
    // xorshift32: the same picture every run.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) % 49) - 24;
  };
  const clamp = (v: number): number => Math.max(0, Math.min(255, v));
  const colours = [
    [220, 50, 47],
    [133, 153, 0],
    [38, 139, 210],
    [181, 137, 0],
  ] as const;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      const band = colours[Math.min(3, Math.floor((x * 4) / w))] ?? colours[0];
      const inChecker = x > w / 3 && x < (2 * w) / 3 && y > h / 3 && y < (2 * h) / 3;
      const dark = inChecker && (Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0;
      const o = row + 1 + x * 3;
      const g = grain();
      raw[o] = dark ? 20 : clamp(band[0] + g);
      raw[o + 1] = dark ? 20 : clamp(band[1] + g);
      raw[o + 2] = dark ? 20 : clamp(band[2] + g);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
