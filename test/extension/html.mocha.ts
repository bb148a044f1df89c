// The webview page's security: a strict CSP with a fresh random nonce on the one
// script, no inline handlers, nothing remote; and which links the host opens.

import { strict as assert } from 'node:assert';
import { chatHtml, contentSecurityPolicy, makeNonce } from '../../extension/html';
import { safeExternalUrl } from '../../extension/links';

const SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';
const page = (nonce?: string): string =>
  chatHtml({
    cspSource: SOURCE,
    scriptUri: `${SOURCE}/ext/dist/webview.js`,
    styleUri: `${SOURCE}/ext/dist/webview.css`,
    codiconUri: `${SOURCE}/ext/dist/codicon.css`,
    ...(nonce ? { nonce } : {}),
  });

describe('chat webview HTML and CSP', () => {
  it("starts from default-src 'none' and allows only the bundle, blob: images and the codicon font", () => {
    const csp = contentSecurityPolicy(SOURCE, 'N0NCE');
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    assert.equal(directives['default-src'], "'none'");
    assert.equal(directives['script-src'], "'nonce-N0NCE'");
    assert.equal(directives['style-src'], SOURCE);
    assert.equal(directives['font-src'], SOURCE);
    assert.equal(directives['img-src'], `${SOURCE} blob:`);
    const tokens = csp.split(/[; ]+/);
    for (const banned of ["'unsafe-inline'", "'unsafe-eval'", 'https:', 'http:', 'data:', '*']) assert.ok(!tokens.includes(banned), banned);
  });

  it('puts the nonce on exactly one script, which is the bundle, and has no inline handler or inline script', () => {
    const html = page('abc123');
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script nonce="abc123" src="${SOURCE}/ext/dist/webview.js">`]);
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handler');
    assert.ok(html.includes('<script nonce="abc123" src=') && html.includes('</script>'));
    assert.ok(!/<script[^>]*>[^<]+<\/script>/.test(html), 'no inline script body');
  });

  it('makes a new 128-bit random nonce per page', () => {
    const nonces = new Set(Array.from({ length: 50 }, makeNonce));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{22}$/);
  });

  it('opens only http and https links', () => {
    assert.equal(safeExternalUrl('https://example.com/a')?.href, 'https://example.com/a');
    assert.equal(safeExternalUrl('http://example.com')?.protocol, 'http:');
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'command:workbench.action.terminal.new', 'vscode://x', 'data:text/html,x', 'not a url']) {
      assert.equal(safeExternalUrl(bad), null, bad);
    }
  });
});
