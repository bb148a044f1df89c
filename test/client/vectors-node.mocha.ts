// Reproduces every value of test/vectors/protocol-v1.json on Node 20, the VS Code extension host's runtime.

import { vectorCases } from './vectors-cases';

describe('protocol-v1 vectors (Node)', () => {
  for (const c of vectorCases()) it(c.name, c.run);
});
