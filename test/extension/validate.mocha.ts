// The connect flow's input checks agree with what the client core accepts.

import { strict as assert } from 'node:assert';
import { parseAddress } from '../../client/connection';
import { validateName, validateRoom, validateServer } from '../../extension/validate';

describe('extension connect-flow input checks', () => {
  it('accepts host:port addresses the client can parse, IPv6 in brackets included', () => {
    for (const ok of ['127.0.0.1:7070', 'chat.example.com:443', '[::1]:7070', ' localhost:1 ']) {
      assert.equal(validateServer(ok), undefined, ok);
      assert.doesNotThrow(() => parseAddress(ok));
    }
  });

  it('refuses addresses without a valid port, with a sentence', () => {
    for (const bad of ['127.0.0.1', 'host:0', 'host:65536', 'http://host:80', 'host:port', '']) {
      assert.match(validateServer(bad) ?? '', /\.$/, bad);
    }
  });

  it('checks room names and display names like the protocol (section 2)', () => {
    assert.equal(validateRoom('team-1.a_b'), undefined);
    for (const bad of ['Team', '-team', '', 'a'.repeat(65), 'ro om']) assert.ok(validateRoom(bad), bad);
    assert.equal(validateName('  Ann Lee  '), undefined);
    for (const bad of ['', '   ', 'a\u0007b', 'x'.repeat(65)]) assert.ok(validateName(bad), JSON.stringify(bad));
  });
});
