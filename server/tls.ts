// The server's TLS material: the operator's PEM files, or a self-signed certificate created once in the data folder.

import { X509Certificate, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError } from './config';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** PROTOCOL.md section 8: "SHA256:" + unpadded base64 of SHA-256 over the DER certificate. */
  fingerprint: string;
  /** True when this start created the self-signed pair. */
  created: boolean;
}

/** File names of the generated pair, next to the SQLite file. */
export const SELF_SIGNED_CERT = 'tls-cert.pem';
export const SELF_SIGNED_KEY = 'tls-key.pem';

/** The SSH-style fingerprint of a PEM certificate (the first one in the text). */
export function certificateFingerprint(pem: string): string {
  const der = new X509Certificate(pem).raw;
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** Reads the operator's files, or loads (creating on first start) the self-signed pair in the data folder. */
export async function loadTls(options: { certFile?: string; keyFile?: string; dataFile: string }): Promise<TlsMaterial> {
  if (options.certFile !== undefined && options.keyFile !== undefined) {
    const cert = readPem(options.certFile, 'certificate');
    const key = readPem(options.keyFile, 'key');
    return { cert, key, fingerprint: fingerprintOrFail(cert, options.certFile), created: false };
  }
  const folder = dirname(options.dataFile);
  const certFile = join(folder, SELF_SIGNED_CERT);
  const keyFile = join(folder, SELF_SIGNED_KEY);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readPem(certFile, 'certificate');
    return { cert, key: readPem(keyFile, 'key'), fingerprint: fingerprintOrFail(cert, certFile), created: false };
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const now = new Date();
  // Ten years: the pin is what clients trust, so expiry would only force a needless re-pin.
  const notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const pair = await generate([{ name: 'commonName', value: 'message-app server' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  // Key first, each written to a temporary name with mode 0600 and renamed: a crash leaves no half pair.
  writePrivate(keyFile, pair.private);
  writePrivate(certFile, pair.cert);
  return { cert: pair.cert, key: pair.private, fingerprint: certificateFingerprint(pair.cert), created: true };
}

function writePrivate(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the TLS ${what} ${file}: ${error instanceof Error ? error.message : String(error)}.`);
  }
}

function fingerprintOrFail(pem: string, file: string): string {
  try {
    return certificateFingerprint(pem);
  } catch {
    throw new ConfigError(`The TLS certificate ${file} is not a PEM certificate.`);
  }
}
