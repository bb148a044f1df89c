// The code kind (PROTOCOL.md section 10): the vectors, the path rule (never absolute,
// never outside the folder), snippets from files, a round trip through the real
// server, and `chat send --code` / `chat read` as users run them.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../protocol/codec';
import { isSafeRelativePath, snippetTitle } from '../../protocol/code';
import { openEnvelope, sealEnvelope } from '../../client/envelope';
import { identityFromSeed } from '../../client/keys';
import { KINDS } from '../../client/kinds/index';
import { languageOfFile, parseCodeSpec, relativeSnippetPath, sliceLines, snippetFromFile } from '../../client/snippet';
import { buildCodeVectors, type CodeVectors } from '../support/code-vectors';
import { REPO_ROOT } from '../support/server';
import { makeClient, runChat, sharedServer, tempDir } from './helpers';

const shared = sharedServer({ beforeAll, afterAll });
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('code vectors (test/vectors/protocol-v1-code.json)', () => {
  const v = JSON.parse(readFileSync(join(process.cwd(), 'test/vectors/protocol-v1-code.json'), 'utf8')) as CodeVectors;

  test('the committed file is what the generator builds (nothing edited by hand)', () => {
    expect(buildCodeVectors()).toEqual(v);
  });

  for (const c of v.cases) {
    test(`${c.expect}: ${c.about}`, () => {
      const opened = openEnvelope({ room: v.room, encKey: unhex(v.enc_key), cid: String(c.body.cid), env: unhex(c.env) });
      if (c.expect === 'placeholder_unsupported') {
        expect(opened).toMatchObject({ ok: false, reason: 'unsupported' });
        return;
      }
      if (!opened.ok || opened.body.k !== 'code') throw new Error(`should open as code: ${JSON.stringify(opened)}`);
      const { cid, ts, from, k, ...fields } = c.body;
      expect({ cid: opened.body.cid, ts: opened.body.ts, k: opened.body.k }).toEqual({ cid, ts, k } as never);
      expect(from).toBeDefined();
      expect(KINDS.code.fields(opened.body)).toEqual(fields);
      // The module writes the same bytes: fields in wire order, sealed with the vector's nonce.
      const identity = identityFromSeed(unhex(v.identity_seed));
      const env = sealEnvelope({ room: v.room, encKey: unhex(v.enc_key), identity, body: opened.body, nonce: unhex(c.nonce) });
      expect(Buffer.from(env).toString('hex')).toBe(c.env);
      expect(decodeBody(unhex(c.body_msgpack))).toMatchObject(fields);
    });
  }
});

describe('path handling: never absolute, never outside the folder', () => {
  test('receivers refuse every form of absolute, escaping, drive, scheme or disguised path', () => {
    for (const bad of ['/etc/passwd', '~/x', 'C:/x', 'c:x', 'file:///x', 'file:x', 'a\\b', '../x', 'a/../b', 'a/./b', './a', 'a//b', 'a/', '', 'a/\u202eb', 'a\nb', 'a\u0000b', 'x'.repeat(1025)]) {
      expect(isSafeRelativePath(bad)).toBe(false);
    }
    for (const good of ['a', 'src/app/main.ts', '.github/workflows/ci.yml', 'dir with space/ü.ts', 'a..b/c', 'x'.repeat(1024)]) {
      expect(isSafeRelativePath(good)).toBe(true);
    }
  });

  test('a sender makes the path relative to the folder, and leaves it out for a file outside it', () => {
    expect(relativeSnippetPath('/home/ada/project', '/home/ada/project/src/a.ts')).toBe('src/a.ts');
    expect(relativeSnippetPath('/home/ada/project', '/home/ada/other/a.ts')).toBeUndefined();
    expect(relativeSnippetPath('/home/ada/project', '/home/ada/project')).toBeUndefined();
    expect(relativeSnippetPath('/home/ada/project', '/etc/passwd')).toBeUndefined();
    expect(relativeSnippetPath('relative', '/home/ada/project/a.ts')).toBeUndefined();
    expect(relativeSnippetPath('/home/ada/project', '/home/ada/project/..hidden/a.ts')).toBe('..hidden/a.ts');
  });

  test('FILE[:START[-END]] specs, line slices and their errors', () => {
    expect(parseCodeSpec('src/a.ts')).toEqual({ file: 'src/a.ts' });
    expect(parseCodeSpec('src/a.ts:12')).toEqual({ file: 'src/a.ts', start: 12, end: 12 });
    expect(parseCodeSpec('C:\\x\\a.ts:3-9')).toEqual({ file: 'C:\\x\\a.ts', start: 3, end: 9 });
    expect(sliceLines('a\r\nb\nc\n', 2, 3)).toEqual({ start: 2, end: 3, text: 'b\nc' });
    expect(sliceLines('a\nb\n', undefined, undefined)).toEqual({ start: 1, end: 2, text: 'a\nb' });
    expect(() => sliceLines('a\nb', 3, 3)).toThrow('has 2 lines');
    expect(() => sliceLines('a\nb', 2, 1)).toThrow('not a range');
    expect(() => sliceLines('x'.repeat(70_000), 1, 1)).toThrow('64 KiB');
    expect(languageOfFile('a/b.py')).toBe('python');
    expect(languageOfFile('Makefile')).toBe('plaintext');
    expect(languageOfFile('x.go')).toBe('go');
  });

  test('a snippet from a file outside the folder carries no path at all', async () => {
    const dir = tempDir('message-app-snippet-');
    const file = join(dir, 'secret.py');
    writeFileSync(file, 'a = 1\nb = 2\n');
    const outside = await snippetFromFile({ file, start: 2, end: 2 }, REPO_ROOT);
    expect(outside).toEqual({ lang: 'python', start: 2, end: 2, text: 'b = 2' });
    expect(JSON.stringify(outside)).not.toContain(dir);
    const inside = await snippetFromFile({ file: 'secret.py' }, dir, 'python');
    expect(inside).toEqual({ lang: 'python', path: 'secret.py', start: 1, end: 2, text: 'a = 1\nb = 2' });
    await expect(snippetFromFile({ file: join(dir, 'missing.py') }, dir)).rejects.toThrow('Cannot read');
    await expect(snippetFromFile({ file }, dir, 'Bad Lang')).rejects.toThrow('not a language id');
  });
});

describe('the code kind through a real server', () => {
  test('a snippet sent by one client arrives as a code item at the other, and a bad one is refused before sending', async () => {
    const ada = shared.track(makeClient(shared.server.address, 'Ada'));
    const bob = shared.track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('code-kind', 'secret', { create: true });
    await bob.client.joinRoom('code-kind', 'secret');
    const snippet = { lang: 'typescript', path: 'src/a.ts', start: 3, end: 4, text: 'let a = 1;\nlet b = 2;' };
    const cid = await ada.client.sendCode('code-kind', snippet);
    await bob.waitFor((e) => e.some((x) => x.type === 'message' && x.item.cid === cid), 5000, 'the snippet');
    const item = bob.items('code-kind').find((i) => i.cid === cid);
    expect(item).toMatchObject({ kind: 'code', code: snippet, from: { name: 'Ada' } });
    expect(snippetTitle(snippet)).toBe('src/a.ts:3-4');
    await expect(ada.client.sendCode('code-kind', { ...snippet, path: '/home/ada/src/a.ts' })).rejects.toThrow('not valid');
    await expect(ada.client.sendCode('code-kind', { ...snippet, start: 5, end: 4 })).rejects.toThrow('not valid');
  });
});

describe('chat send --code and chat read', () => {
  const PASS = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
  const dir = tempDir('message-app-cli-code-');
  const common = (room: string, who: string): string[] => ['--server', shared.server.address, '--room', room, '--identity', join(dir, `${who}.json`), '--insecure'];

  test('sends lines of a file with a relative path and reads them back as "kind":"code"', async () => {
    const sent = await runChat(['send', ...common('cli-code', 'ada'), '--name', 'Ada', '--code', 'client/snippet.ts:1-2', '--lang', 'typescript'], PASS);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const lines = readFileSync(join(REPO_ROOT, 'client/snippet.ts'), 'utf8').split('\n');
    const outsideDir = tempDir('message-app-cli-outside-');
    mkdirSync(outsideDir, { recursive: true });
    const outside = join(outsideDir, 'notes.md');
    writeFileSync(outside, '# one\ntwo\n');
    const second = await runChat(['send', ...common('cli-code', 'ada'), '--name', 'Ada', '--code', `${outside}:2`], PASS);
    expect(second.code).toBe(0);
    const read = await runChat(['read', ...common('cli-code', 'bob')], PASS);
    expect(read.code).toBe(0);
    expect(read.lines.map((l) => [l.kind, l.code])).toEqual([
      ['code', { lang: 'typescript', path: 'client/snippet.ts', start: 1, end: 2, text: `${lines[0]}\n${lines[1]}` }],
      ['code', { lang: 'markdown', path: null, start: 2, end: 2, text: 'two' }],
    ]);
    expect(read.stdout).not.toContain(outsideDir);
  });

  test('refuses unclear flags with one sentence and sends nothing', async () => {
    const both = await runChat(['send', ...common('cli-code-bad', 'ada'), '--name', 'Ada', '--code', 'client/snippet.ts', '--text', 'x'], PASS);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exactly one of');
    const lang = await runChat(['send', ...common('cli-code-bad', 'ada'), '--name', 'Ada', '--text', 'x', '--lang', 'go'], PASS);
    expect(lang.stderr).toContain('--lang goes with --code');
    const range = await runChat(['send', ...common('cli-code-bad', 'ada'), '--name', 'Ada', '--code', 'client/snippet.ts:5000-5001'], PASS);
    expect(range.code).toBe(1);
    expect(range.stderr).toContain('does not exist');
    const read = await runChat(['read', ...common('cli-code-bad', 'bob')], PASS);
    expect(read.lines).toEqual([]);
  });
});
