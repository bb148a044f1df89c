// `npm run test:vscode`: runs the integration suite in a VS Code downloaded by
// @vscode/test-electron, against a real server started here on 127.0.0.1.
// (Downloading VS Code needs the internet; where that is blocked, the e2e suite
// runs the same suite inside code-server instead.)

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = resolve(import.meta.dirname, '..', '..');
const bun = join(root, 'node_modules', '.bin', 'bun');
const data = join(mkdtempSync(join(tmpdir(), 'message-app-vscode-')), 'chat.db');

const server = spawn(bun, [join(root, 'server', 'main.ts'), '--host', '127.0.0.1', '--port', '0', '--data', data, '--tls', 'off'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const address = await new Promise((ok, fail) => {
  let out = '';
  const timer = setTimeout(() => fail(new Error('the server did not start within 15 s')), 15_000);
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const m = /listening on (\S+):(\d+) /.exec(out);
    if (m) {
      clearTimeout(timer);
      ok(`${m[1]}:${m[2]}`);
    }
  });
  server.on('exit', (code) => fail(new Error(`the server exited with ${code}`)));
});

let code = 1;
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'dist', 'test', 'vscode', 'suite', 'index.js'),
    extensionTestsEnv: { MESSAGE_APP_TEST_SERVER: address },
    launchArgs: ['--disable-extensions', '--disable-workspace-trust', mkdtempSync(join(tmpdir(), 'message-app-ws-'))],
  });
  code = 0;
} catch (error) {
  const text = error instanceof Error ? error.message : String(error);
  console.error(`test:vscode failed: ${text}`);
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(text)) {
    console.error('VS Code could not be downloaded. `npm run test:e2e -- --part extension` runs the same suite in code-server.');
  }
} finally {
  server.kill('SIGTERM');
}
process.exit(code);
