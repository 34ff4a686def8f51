// The API suite against the embedded default: a SQLite file in a temp dir.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { storageSuite } from './suite.mjs';
import { tempDir } from './harness.mjs';

storageSuite('sqlite', async () => {
  const dir = tempDir();
  return { db: join(dir, 'tailor.db'), teardown: () => rmSync(dir, { recursive: true, force: true }) };
});
