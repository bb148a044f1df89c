// The image pipeline on Node 20 (the VS Code extension host's runtime), same cases as on Bun.

import { imageCases } from './images-cases';

describe('images (Node)', () => {
  for (const c of imageCases()) it(c.name, c.run);
});
