// The same API suite against PostgreSQL: a private cluster made with initdb.
import { storageSuite } from './suite.mjs';
import { startPostgres } from './harness.mjs';

storageSuite('postgres', async () => {
  const pg = await startPostgres();
  return { db: pg.createDatabase(), teardown: () => pg.stop() };
});
