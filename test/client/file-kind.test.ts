// The `file` kind (PROTOCOL.md section 9.1): the vectors of test/vectors/protocol-v1-file.json open to a file item or to the
// "unsupported" placeholder as they say, the view item carries no key, the CLI line has name/size/mime/sha256, names show by their last segment.

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEnvelope } from '../../client/envelope';
import { shownFileName } from '../../client/kinds/file';
import { KINDS, toCliJson, toViewItem, type FileBody } from '../../client/kinds/index';
import { fingerprint } from '../../client/keys';
import { encodeBody } from '../../protocol/codec';
import { isViewItem } from '../../protocol/webview';
import { buildFileBodyVectors, type FileBodyVectors } from '../support/file-body-vectors';

const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const v = JSON.parse(readFileSync(join(process.cwd(), 'test/vectors/protocol-v1-file.json'), 'utf8')) as FileBodyVectors;

describe('file body vectors (test/vectors/protocol-v1-file.json)', () => {
  test('the committed file is what the generator builds (nothing edited by hand)', () => {
    expect(buildFileBodyVectors()).toEqual(v);
  });

  test('cover valid files and every refusal rule', () => {
    expect(v.cases.filter((c) => c.expect === 'file').length).toBeGreaterThanOrEqual(2);
    expect(v.cases.filter((c) => c.expect === 'placeholder_unsupported').length).toBeGreaterThanOrEqual(6);
  });

  for (const c of v.cases) {
    test(`${c.expect}: ${c.about}`, () => {
      const opened = openEnvelope({ room: v.room, encKey: unhex(v.enc_key), cid: String(c.body.cid), env: unhex(c.env) });
      if (c.expect === 'placeholder_unsupported') {
        expect(opened).toMatchObject({ ok: false, reason: 'unsupported' });
        return;
      }
      if (!opened.ok) throw new Error(`did not open: ${opened.reason}`);
      const body = opened.body as FileBody;
      expect(body.k).toBe('file');
      // The body re-encodes to exactly the vector's bytes (field order of section 9.1).
      expect(Buffer.from(opened.bodyBytes).toString('hex')).toBe(c.body_msgpack);
      expect(Buffer.from(encodeBody({ cid: body.cid, ts: body.ts, from: body.from, k: 'file', ...KINDS.file.fields(body) })).toString('hex')).toBe(c.body_msgpack);
      expect(Buffer.from(body.key).toString('hex')).toBe(String(c.body.key));
      const from = { ...body.from, fingerprint: fingerprint(body.from.key) };
      const item = KINDS.file.toItem(body, { id: 5, ts: 6, cid: body.cid, from, verified: true, own: false, sentAt: body.ts }, { checkImage: (i) => i, received: true });
      if (typeof item === 'string') throw new Error(item);
      const view = toViewItem(item);
      expect(isViewItem(view)).toBe(true);
      expect(view).toMatchObject({ kind: 'file', file: { name: c.cli?.name, size: c.cli?.size, mime: c.cli?.mime } });
      // The webview never gets the key, the blob id or the hash.
      const json = JSON.stringify(view);
      expect(json).not.toContain(String(c.body.key));
      expect(json).not.toContain(String(c.body.blob));
      expect(toCliJson(item) as unknown).toEqual({ id: 5, ts: 6, cid: body.cid, from: { name: 'Ada', fingerprint: from.fingerprint }, verified: true, kind: 'file', file: c.cli });
    });
  }
});

describe('file names', () => {
  test('a name shows as its last path segment, never a folder or a dot name', () => {
    expect(shownFileName('a/b/c.txt')).toBe('c.txt');
    expect(shownFileName('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(shownFileName('../../etc/passwd')).toBe('passwd');
    expect(shownFileName('..')).toBe('file');
    expect(shownFileName('dir/')).toBe('dir');
    expect(shownFileName('')).toBe('file');
  });
});
