// Builds test/vectors/protocol-v1-code.json: `code` bodies (PROTOCOL.md section 10),
// valid ones with their fields and ones a receiver must show as "unsupported message"
// (absolute or escaping paths, bad ranges, bad language). Deterministic (fixed nonces,
// Ed25519 signs deterministically), so the committed file is checked against a fresh build.
// Regenerate: npx bun test/support/code-vectors.ts > test/vectors/protocol-v1-code.json

import { hex, readBaseVectors, sealRawBody, toJson, unknownKindBody } from './kinds-vectors';

export type CodeExpectation = 'code' | 'placeholder_unsupported';

export interface CodeVector {
  about: string;
  /** The body as JSON, byte strings in hex. */
  body: Record<string, unknown>;
  body_msgpack: string;
  nonce: string;
  env: string;
  expect: CodeExpectation;
}

export interface CodeVectors {
  about: string;
  room: string;
  enc_key: string;
  identity_seed: string;
  identity_pub: string;
  cases: CodeVector[];
}

export function buildCodeVectors(): CodeVectors {
  const { base, identity, encKey } = readBaseVectors();
  const ts = 1764230600000;
  const text = 'export function add(a: number, b: number): number {\n  return a + b;\n}';
  const code = (cid: string, i: number, fields: Record<string, unknown>): Record<string, unknown> => unknownKindBody(identity, 'Ada', cid, ts + i, 'code', fields);
  const specs: { about: string; body: Record<string, unknown>; expect: CodeExpectation }[] = [
    { about: 'a selection of a file inside the workspace: lang, path, start, end, text', body: code('Y29kZTAwMDAwMDAwMDAwMA', 0, { lang: 'typescript', path: 'src/math/add.ts', start: 12, end: 14, text }), expect: 'code' },
    { about: 'no path (the file was outside any workspace folder); one line (start = end)', body: code('Y29kZTAwMDAwMDAwMDAwMQ', 1, { lang: 'python', start: 7, end: 7, text: 'print("hi")' }), expect: 'code' },
    { about: 'a language nobody highlights is still a valid snippet (shown plain)', body: code('Y29kZTAwMDAwMDAwMDAwMg', 2, { lang: 'x-made.up+1', start: 1, end: 1, text: '?' }), expect: 'code' },
    { about: 'an absolute path is refused: unsupported message', body: code('Y29kZTAwMDAwMDAwMDAwMw', 3, { lang: 'shellscript', path: '/home/ada/.ssh/config', start: 1, end: 1, text: 'Host x' }), expect: 'placeholder_unsupported' },
    { about: 'a path leaving the folder ("..") is refused', body: code('Y29kZTAwMDAwMDAwMDAwNA', 4, { lang: 'json', path: 'src/../../etc/passwd', start: 1, end: 1, text: 'x' }), expect: 'placeholder_unsupported' },
    { about: 'a drive prefix is refused', body: code('Y29kZTAwMDAwMDAwMDAwNQ', 5, { lang: 'c', path: 'C:/Users/ada/main.c', start: 1, end: 1, text: 'int x;' }), expect: 'placeholder_unsupported' },
    { about: 'a backslash is refused', body: code('Y29kZTAwMDAwMDAwMDAwNg', 6, { lang: 'c', path: 'src\\main.c', start: 1, end: 1, text: 'int x;' }), expect: 'placeholder_unsupported' },
    { about: 'end before start is refused', body: code('Y29kZTAwMDAwMDAwMDAwNw', 7, { lang: 'go', path: 'main.go', start: 9, end: 3, text: 'x' }), expect: 'placeholder_unsupported' },
    { about: 'line 0 is refused (lines are 1-based)', body: code('Y29kZTAwMDAwMDAwMDAwOA', 8, { lang: 'go', start: 0, end: 1, text: 'x' }), expect: 'placeholder_unsupported' },
    { about: 'a language id with a capital or a space is refused', body: code('Y29kZTAwMDAwMDAwMDAwOQ', 9, { lang: 'Type Script', start: 1, end: 1, text: 'x' }), expect: 'placeholder_unsupported' },
    { about: 'missing text is refused', body: code('Y29kZTAwMDAwMDAwMDAxMA', 10, { lang: 'rust', start: 1, end: 1 }), expect: 'placeholder_unsupported' },
    { about: 'a bidi control in the path is refused (a path must read as what it is)', body: code('Y29kZTAwMDAwMDAwMDAxMQ', 11, { lang: 'rust', path: 'src/\u202elib.rs', start: 1, end: 1, text: 'x' }), expect: 'placeholder_unsupported' },
  ];
  const cases = specs.map((spec, i): CodeVector => {
    const nonce = new Uint8Array(12).fill(0xc0 + i);
    const sealed = sealRawBody(base.room, encKey, identity, spec.body, nonce);
    return { about: spec.about, body: toJson(spec.body) as Record<string, unknown>, body_msgpack: hex(sealed.bodyBytes), nonce: hex(nonce), env: hex(sealed.env), expect: spec.expect };
  });
  return {
    about: 'message-app protocol v1: the code kind (PROTOCOL.md section 10); byte strings are hex; keys from protocol-v1.json',
    room: base.room,
    enc_key: base.enc_key,
    identity_seed: base.identity_seed,
    identity_pub: base.identity_pub,
    cases,
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(buildCodeVectors(), null, 2)}\n`);
