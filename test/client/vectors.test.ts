// Reproduces every value of test/vectors/protocol-v1.json on Bun.

import { describe, test } from 'bun:test';
import { vectorCases } from './vectors-cases';

describe('protocol-v1 vectors (Bun)', () => {
  for (const c of vectorCases()) test(c.name, c.run);
});
