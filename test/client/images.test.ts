// The image pipeline on Bun (the chat CLI's runtime): preparing, refusing and checking images.

import { describe, test } from 'bun:test';
import { imageCases } from './images-cases';

describe('images (Bun)', () => {
  for (const c of imageCases()) test(c.name, c.run);
});
