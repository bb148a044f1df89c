// `npm run test:e2e` entry: runs the TypeScript runner (test/e2e/run.ts) through tsx and passes its exit code on.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runner = join(dirname(fileURLToPath(import.meta.url)), 'run.ts');
const child = spawn(process.execPath, ['--import', 'tsx', runner, ...process.argv.slice(2)], { stdio: 'inherit' });
// The runner cleans up its code-servers, browser and chat server on these signals.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
