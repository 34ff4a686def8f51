// Two tailor-sync replicas on one PostgreSQL database, as behind a load
// balancer: profile settings changed at the same moment through both must all
// be kept (the read-merge-write runs in one transaction under a per-uid lock),
// and events posted through either are readable through the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startServer, startPostgres, call, view, allEvents } from './harness.mjs';

const UIDS = 6;
const TAGS_PER_REPLICA = 8;

test('PostgreSQL replicas: concurrent settings changes through two servers are all kept', async () => {
  const pg = await startPostgres();
  const db = pg.createDatabase();
  const a = await startServer({ db });
  const b = await startServer({ db });
  try {
    const set = (srv, uid, tag) => call(srv.url, 'POST', `/v1/profiles/${uid}/settings`,
      { key: ADMIN_KEY, body: { suppressed: [{ kind: 'tag', key: tag }] } });
    const writes = [];
    for (let t = 0; t < TAGS_PER_REPLICA; ++t) {
      for (let u = 0; u < UIDS; ++u) {
        writes.push(set(a, `r-${u}`, `a${t}`), set(b, `r-${u}`, `b${t}`));
      }
    }
    const answers = await Promise.all(writes);
    assert.deepEqual(answers.map((r) => r.status).filter((s) => s !== 200), []);
    for (let u = 0; u < UIDS; ++u) {
      const want = [];
      for (let t = 0; t < TAGS_PER_REPLICA; ++t) want.push(`a${t}`, `b${t}`);
      for (const srv of [a, b]) {
        const p = await call(srv.url, 'GET', `/v1/profiles/r-${u}`, { key: ADMIN_KEY });
        assert.equal(p.status, 200, String(p.body));
        assert.deepEqual(p.json.settings.suppressed.map((x) => x.key).sort(), want.sort(), `r-${u}`);
      }
    }
    // Events written through one replica are read back through the other.
    const posted = await call(a.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: [view('rep-1', 'r-0'), view('rep-2', 'r-0')] });
    assert.equal(posted.json.accepted, 2);
    assert.deepEqual((await allEvents(b.url, 'r-0')).map((e) => e.id).sort(), ['rep-1', 'rep-2']);
  } finally {
    await a.stop();
    await b.stop();
    pg.stop();
  }
});
