// The server's profile is the core's fold: for every profile golden case (the
// bytes that native, Node, Chromium and workerd produce), tailor-sync returns
// the same bytes from the same catalog, config and events, on both back ends.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, startServer, startPostgres, call, tempDir } from './harness.mjs';

const goldenDir = new URL('../golden/profile/', import.meta.url).pathname;
// Cases with a saved browser "state" send its events with the others and its
// suppressions and personalization switch to POST /v1/profiles/{uid}/settings.
const cases = readdirSync(goldenDir).filter((f) => f.endsWith('.in.json')).map((f) => f.slice(0, -8));

async function checkCase(db, name) {
  const input = JSON.parse(readFileSync(join(goldenDir, `${name}.in.json`), 'utf8'));
  const expected = readFileSync(join(goldenDir, `${name}.out.json`), 'utf8').trim();
  const srv = await startServer({ db });
  try {
    const cat = await call(srv.url, 'PUT', '/v1/catalog', { key: ADMIN_KEY, body: input.catalog,
      headers: { 'content-type': input.catalog_format === 'csv' ? 'text/csv' : 'application/x-ndjson' } });
    assert.equal(cat.status, 201, String(cat.body));
    const cfg = await call(srv.url, 'PUT', '/v1/config', { key: ADMIN_KEY, body: { profile: input.config } });
    assert.equal(cfg.status, 201, String(cfg.body));
    const events = [...input.events, ...(input.state?.events ?? [])];
    const ev = await call(srv.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: events });
    assert.equal(ev.json.accepted + ev.json.duplicates, events.length, String(ev.body));
    // Ids linked by identify events are merged as the core's events_of_shopper links them.
    const uids = [...new Set(input.events.map((e) => e.uid))];
    const links = input.events.filter((e) => e.type === 'identify');
    for (const l of links) {
      const r = await call(srv.url, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: l.uid, previous_uid: l.previous_uid } });
      assert.equal(r.status, 200);
    }
    const target = links.length ? links[links.length - 1].uid : uids[0];
    if (input.state) {
      const st = await call(srv.url, 'POST', `/v1/profiles/${target}/settings`, { key: ADMIN_KEY,
        body: { suppressed: input.state.suppressed, personalization: input.state.personalization } });
      assert.equal(st.status, 200, String(st.body));
    }
    const r = await call(srv.url, 'GET', `/v1/profiles/${target}?now=${input.now}&limit=1`, { key: ADMIN_KEY });
    assert.equal(r.status, 200);
    const text = r.body.toString();
    const at = text.indexOf(',"profile":');
    assert.ok(at > 0);
    assert.equal(text.slice(at + ',"profile":'.length, -1), expected, `${name}: same bytes as the golden`);
  } finally {
    await srv.stop();
  }
}

for (const backend of ['sqlite', 'postgres']) {
  describe(`profile fold on ${backend}`, () => {
    let pg;
    let dir;
    before(async () => {
      if (backend === 'postgres') pg = await startPostgres();
      else dir = tempDir();
    });
    after(() => {
      pg?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    test(`golden cases: ${cases.join(', ')}`, async () => {
      assert.ok(cases.length >= 9);
      assert.ok(cases.includes('deleted_tags') && cases.includes('opted_out'));
      for (const name of cases) await checkCase(pg ? pg.createDatabase() : join(dir, `${name}.db`), name);
    });
    test('catalog and profile config are checked by the core on upload', async () => {
      const db = pg ? pg.createDatabase() : join(dir, 'bad.db');
      const srv = await startServer({ db });
      try {
        const bad = await call(srv.url, 'PUT', '/v1/catalog', { key: ADMIN_KEY, body: '{"id":"A","price":1}\n' });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.code, 'missing_field');
        assert.match(bad.json.error.where, /^line 1/);
        const csv = await call(srv.url, 'PUT', '/v1/catalog', { key: ADMIN_KEY, body: 'id,price,currency\nA,"1\n', headers: { 'content-type': 'text/csv' } });
        assert.equal(csv.status, 400);
        const cfg = await call(srv.url, 'PUT', '/v1/config', { key: ADMIN_KEY, body: { profile: { half_life_days: 'soon' } } });
        assert.equal(cfg.status, 400);
        assert.equal(cfg.json.error.code, 'invalid_config');
        assert.match(cfg.json.error.where, /^profile\.half_life_days/);
        const none = await call(srv.url, 'GET', '/v1/catalog/versions', { key: ADMIN_KEY });
        assert.deepEqual(none.json.versions, []);
        // Without a catalog the fold still works: every item is unknown.
        await call(srv.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: [{ id: 'e', type: 'view', ts: 1, uid: 'u', item_id: 'X' }] });
        const p = await call(srv.url, 'GET', '/v1/profiles/u?now=2', { key: ADMIN_KEY });
        assert.equal(p.json.profile.events.unknown_items, 1);
        const skip = await call(srv.url, 'GET', '/v1/profiles/u?profile=0', { key: ADMIN_KEY });
        assert.equal('profile' in skip.json, false);
      } finally {
        await srv.stop();
      }
    });
  });
}
