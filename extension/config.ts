// Every setting key of the extension in one place, with typed readers.

import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import type { TlsSetting } from './trust';

export const SECTION = 'messageApp';

export const SETTINGS = {
  server: 'server',
  room: 'room',
  displayName: 'displayName',
  notifications: 'notifications',
  imageMaxSide: 'imageMaxSide',
  tls: 'tls',
} as const;

export type NotificationSetting = 'all' | 'mentions' | 'off';

export interface Settings {
  server: string;
  room: string;
  displayName: string;
  notifications: NotificationSetting;
  imageMaxSide: number;
  /** "off" only when the user chose plain TCP; anything else is TLS. */
  tls: TlsSetting;
}

/** The notifications setting; anything unknown reads as the default, 'all'. */
export function notificationSetting(value: string | undefined): NotificationSetting {
  return value === 'off' || value === 'mentions' ? value : 'all';
}

/** The OS user name, the default display name. */
export function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const maxSide = c.get<number>(SETTINGS.imageMaxSide, 1280);
  return {
    server: c.get<string>(SETTINGS.server, '').trim(),
    room: c.get<string>(SETTINGS.room, '').trim(),
    displayName: c.get<string>(SETTINGS.displayName, '').trim() || osUserName(),
    notifications: notificationSetting(c.get<string>(SETTINGS.notifications, 'all')),
    imageMaxSide: Number.isInteger(maxSide) && maxSide >= 64 && maxSide <= 8192 ? maxSide : 1280,
    tls: c.get<string>(SETTINGS.tls, 'on') === 'off' ? 'off' : 'on',
  };
}

/** The display name the user set, or '' when unset (the connect flow then asks, proposing the OS user name). */
export function configuredDisplayName(): string {
  return vscode.workspace.getConfiguration(SECTION).get<string>(SETTINGS.displayName, '').trim();
}

/** Saves a setting for the user (all windows), where the connect flow remembers answers. */
export async function saveSetting(key: keyof typeof SETTINGS, value: string): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(SETTINGS[key], value, vscode.ConfigurationTarget.Global);
}
