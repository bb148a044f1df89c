// Where the CLI keeps its files: the user's config folder per platform.

import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** ~/.config/message-app (or $XDG_CONFIG_HOME), ~/Library/Application Support/message-app, %APPDATA%\message-app. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'message-app');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'message-app');
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'message-app');
}

export function defaultIdentityPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'identity.json');
}

/**
 * Outbox, cursors and pins for one identity on one server, next to the identity
 * file, so a test (or a second identity) with its own file gets its own state.
 */
export function stateDir(identityPath: string, server: string, publicKey: Uint8Array): string {
  const id = createHash('sha256').update(server).update(publicKey).digest('hex').slice(0, 16);
  const label = server.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(dirname(identityPath), 'state', `${label}-${id}`);
}
