// examples/sync.mjs: tailor-sync for the demo storefront starts seeded and
// ready for a browser on http://localhost:8080 (keys, CORS, catalog, config).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, call, tempDir } from './harness.mjs';
import { startSync, DEMO_FEATURES } from '../../examples/sync.mjs';

test('the demo sync server starts seeded, with keys and CORS for the storefront', async () => {
  const dir = tempDir('tailor-sync-demo-test-');
  const data = join(dir, 'store');
  execFileSync(CLI, ['generate', '--seed', '7', '--items', '40', '--shoppers', '10', '--days', '2', '--out', data], { stdio: 'pipe' });
  const sync = await startSync({ db: join(dir, 'demo.db'), dir: data, bundle: false });
  try {
    assert.match(sync.browserKey, /^tsb_/);
    const origin = 'http://localhost:8080';
    const cfg = await call(sync.url, 'GET', '/v1/config', { key: sync.browserKey, headers: { origin } });
    assert.equal(cfg.status, 200);
    assert.equal(cfg.headers.get('access-control-allow-origin'), origin);
    assert.deepEqual(cfg.json.features, DEMO_FEATURES);
    assert.deepEqual(cfg.json.profile, JSON.parse(readFileSync(new URL('../../examples/storefront/profile-config.json', import.meta.url), 'utf8')));
    const cat = await call(sync.url, 'GET', '/v1/catalog', { key: sync.browserKey });
    assert.equal(cat.body.toString(), readFileSync(join(data, 'catalog.jsonl'), 'utf8'));
    const pre = await call(sync.url, 'OPTIONS', '/v1/events', { headers: { origin, 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    const token = await sync.token('demo-shopper');
    const item = JSON.parse(readFileSync(join(data, 'catalog.jsonl'), 'utf8').split('\n')[0]).id;
    const ev = await call(sync.url, 'POST', '/v1/events', { key: sync.browserKey, token, headers: { origin },
      body: [{ id: 'd1', type: 'view', ts: Date.now() - 1000, uid: 'demo-shopper', item_id: item }] });
    assert.equal(ev.json.accepted, 1, String(ev.body));
    const prof = await call(sync.url, 'GET', '/v1/profiles/demo-shopper', { key: sync.browserKey, token });
    assert.equal(prof.json.profile.events.unknown_items, 0, 'the catalog is the demo store');
    const a = await call(sync.url, 'POST', '/v1/assign', { key: sync.browserKey, token, body: { uid: 'demo-shopper' } });
    assert.deepEqual(Object.keys(a.json.features).sort(), Object.keys(DEMO_FEATURES).sort());
    assert.equal((await call(sync.url, 'GET', '/v1/keys', { key: sync.adminKey })).status, 405);
  } finally {
    const { code } = await sync.stop();
    assert.equal(code, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
