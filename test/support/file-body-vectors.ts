// Builds test/vectors/protocol-v1-file.json: sealed envelopes of `file` bodies (PROTOCOL.md section 9.1), valid ones and ones a receiver must refuse
// (shown as the "unsupported" placeholder). Deterministic (fixed nonces, fixed file keys; Ed25519 signs deterministically), so the
// committed file is checked against a fresh build. Regenerate: npx bun test/support/file-body-vectors.ts > test/vectors/protocol-v1-file.json

import { createHash } from 'node:crypto';
import { hex, readBaseVectors, sealRawBody, toJson, unknownKindBody } from './kinds-vectors';

export type FileExpectation = 'file' | 'placeholder_unsupported';

export interface FileBodyVector {
  about: string;
  /** The body as JSON, byte strings in hex. */
  body: Record<string, unknown>;
  body_msgpack: string;
  nonce: string;
  env: string;
  expect: FileExpectation;
  /** For `file`: what `chat read` prints under "file". */
  cli?: { name: string; size: number; mime: string; sha256: string };
}

export interface FileBodyVectors {
  about: string;
  room: string;
  enc_key: string;
  identity_seed: string;
  identity_pub: string;
  cases: FileBodyVector[];
}

export function buildFileBodyVectors(): FileBodyVectors {
  const { base, identity, encKey } = readBaseVectors();
  const ts = 1764230600000;
  const plain = new TextEncoder().encode('hello, file\n');
  const sha256 = new Uint8Array(createHash('sha256').update(plain).digest());
  const key = new Uint8Array(32).map((_, i) => i);
  const good = { blob: 'AAECAwQFBgcICQoLDA0ODw', key, chunk: 65536, size: plain.length, sha256, name: 'hello.txt', mime: 'text/plain' };
  const specs: { about: string; fields: Record<string, unknown>; expect: FileExpectation; cli?: FileBodyVector['cli'] }[] = [
    {
      about: 'a file of 12 bytes in one 64 KiB chunk: shown as a file card; the CLI prints name, size, mime, sha256 (never the key)',
      fields: good,
      expect: 'file',
      cli: { name: 'hello.txt', size: plain.length, mime: 'text/plain', sha256: hex(sha256) },
    },
    {
      about: 'a 1 GiB file in 1 MiB chunks with a path as its name: shown by its last path segment',
      fields: { ...good, blob: 'EBESExQVFhcYGRobHB0eHw', chunk: 1048576, size: 1073741824, name: 'builds/2026/app.tar.gz', mime: 'application/gzip' },
      expect: 'file',
      cli: { name: 'app.tar.gz', size: 1073741824, mime: 'application/gzip', sha256: hex(sha256) },
    },
    { about: 'chunk below 64 KiB: refused (unsupported placeholder)', fields: { ...good, chunk: 65535 }, expect: 'placeholder_unsupported' },
    { about: 'chunk above 1 MiB: refused', fields: { ...good, chunk: 1048577 }, expect: 'placeholder_unsupported' },
    { about: 'a 31-byte key: refused', fields: { ...good, key: key.subarray(0, 31) }, expect: 'placeholder_unsupported' },
    { about: 'a blob id with a slash: refused', fields: { ...good, blob: 'AAECAwQF/gcICQoLDA0ODw' }, expect: 'placeholder_unsupported' },
    { about: 'sha256 as a hex string, not bytes: refused', fields: { ...good, sha256: hex(sha256) }, expect: 'placeholder_unsupported' },
    { about: 'a negative size: refused', fields: { ...good, size: -1 }, expect: 'placeholder_unsupported' },
    { about: 'no mime: refused', fields: { blob: good.blob, key, chunk: good.chunk, size: good.size, sha256, name: good.name }, expect: 'placeholder_unsupported' },
  ];
  const cases = specs.map((spec, i): FileBodyVector => {
    const body = unknownKindBody(identity, 'Ada', `ZmlsZS12ZWN0b3ItMD${String.fromCharCode(65 + i)}w`, ts + i, 'file', spec.fields);
    const nonce = new Uint8Array(12).fill(0xc0 + i);
    const sealed = sealRawBody(base.room, encKey, identity, body, nonce);
    const vector: FileBodyVector = { about: spec.about, body: toJson(body) as Record<string, unknown>, body_msgpack: hex(sealed.bodyBytes), nonce: hex(nonce), env: hex(sealed.env), expect: spec.expect };
    if (spec.cli) vector.cli = spec.cli;
    return vector;
  });
  return {
    about: 'message-app protocol v1: the file body kind (PROTOCOL.md section 9.1); byte strings are hex; room, keys and identity from protocol-v1.json',
    room: base.room,
    enc_key: base.enc_key,
    identity_seed: base.identity_seed,
    identity_pub: base.identity_pub,
    cases,
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(buildFileBodyVectors(), null, 2)}\n`);
