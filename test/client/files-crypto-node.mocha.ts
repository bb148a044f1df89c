// Chunked file encryption on Node 20 (the VS Code extension host's runtime).

import { fileCryptoCases } from './files-crypto-cases';

describe('file stream crypto (Node)', () => {
  for (const c of fileCryptoCases()) it(c.name, c.run);
});
