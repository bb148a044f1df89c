// Chunked file encryption on Bun (the chat CLI's runtime).

import { describe, test } from 'bun:test';
import { fileCryptoCases } from './files-crypto-cases';

describe('file stream crypto (Bun)', () => {
  for (const c of fileCryptoCases()) test(c.name, c.run);
});
