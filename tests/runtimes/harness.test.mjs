// The pieces of the cross-runtime harness: the static server and the edge
// worker's HTTP behaviour under workerd (the golden suite covers its answers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { resolvePath, startStaticServer } from './static-server.mjs';
import { startWorkerd } from './workerd.mjs';

describe('static server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-static-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(dir, 'sub/index.html'), '<p>hi</p>');
  writeFileSync(join(dir, 'm.mjs'), 'export {}');
  let srv;
  before(async () => { srv = await startStaticServer({ mounts: { '/': dir } }); });
  after(() => srv.close());

  test('serves .wasm as application/wasm and .mjs as JavaScript', async () => {
    const w = await fetch(`${srv.url}/a.wasm`);
    assert.equal(w.headers.get('content-type'), 'application/wasm');
    assert.deepEqual([...new Uint8Array(await w.arrayBuffer())], [0, 97, 115, 109]);
    const m = await fetch(`${srv.url}/m.mjs`);
    assert.match(m.headers.get('content-type'), /^text\/javascript/);
  });
  test('directories serve index.html; missing files are 404', async () => {
    assert.equal(await (await fetch(`${srv.url}/sub/`)).text(), '<p>hi</p>');
    assert.equal((await fetch(`${srv.url}/nope.txt`)).status, 404);
  });
  test('nothing outside the root is reachable', async () => {
    assert.equal(resolvePath({ '/': dir }, '/../etc/passwd'), null);
    assert.equal(resolvePath({ '/': dir }, '/sub/../a.wasm'), join(dir, 'a.wasm'));
    assert.equal(resolvePath({ '/': dir }, '/%2e%2e/%2e%2e/etc/passwd'), null);
    assert.equal(resolvePath({ '/': dir }, '/a%00b'), null);
    assert.equal(resolvePath({ '/': dir }, '/%zz'), null);
    assert.equal(resolvePath({ '/x/': dir }, '/y/a.wasm'), null);
    assert.equal((await fetch(`${srv.url}/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
  });
  test('only GET and HEAD', async () => {
    assert.equal((await fetch(`${srv.url}/a.wasm`, { method: 'POST', body: 'x' })).status, 405);
  });
});

describe('edge worker under workerd', () => {
  let w;
  before(async () => { w = await startWorkerd(); });
  after(() => w.stop());
  const post = (path, body) => fetch(w.url + path, { method: 'POST', body });
  const rawPost = (path, body) => new Promise((resolve, reject) => {
    let answered = false;
    const req = request(w.url + path, { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', (err) => { if (!answered) reject(err); });
    req.end(body);
  });

  test('GET /healthz reports the core version', async () => {
    const res = await fetch(`${w.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, version: '0.1.0' });
  });
  test('a valid event answers 200 with the canonical event', async () => {
    const res = await post('/v1/events/decode', '{"uid":"u","type":"view","ts":3,"id":"e","item_id":"A"}');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { ok: true, value: { id: 'e', item_id: 'A', ts: 3, type: 'view', uid: 'u' } });
  });
  test('an invalid event answers 422 with the core error', async () => {
    const res = await post('/v1/events/decode', '{"type":"view","id":"e","ts":3,"uid":"u"}');
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.equal(body.code, 'missing_field');
    assert.equal(body.where, 'item_id');
  });
  test('an event at 16384 bytes reaches the core; 16385 bytes is refused before it', async () => {
    const make = (n) => {
      const head = '{"type":"search","id":"e","ts":1,"uid":"u","query":"';
      return head + ' '.repeat(n - head.length - 2) + '"}';
    };
    const atLimit = await post('/v1/events/decode', make(16384));
    // The core sees it (and rejects the over-long query with its own error).
    assert.equal(atLimit.status, 422);
    assert.equal((await atLimit.json()).where, 'query');
    const over = await post('/v1/events/decode', make(16385));
    assert.equal(over.status, 413);
    assert.equal((await over.json()).code, 'limit_exceeded');
  });
  test('unknown routes are 404 and wrong methods 405', async () => {
    assert.equal((await fetch(`${w.url}/v1/nothing`)).status, 404);
    assert.equal((await fetch(`${w.url}/v1/events/decode`)).status, 405);
  });
  const catalog = '{"id":"A","title":"Mug","category":["Home","Kitchen"],"brand":"Acme","price":9.5,"currency":"GBP","tags":["red"]}\n';
  const view = (id, ts) => ({ type: 'view', id, ts, uid: 'u', item_id: 'A' });
  test('POST /v1/profile folds the events with the catalog at now', async () => {
    const res = await post('/v1/profile', JSON.stringify({ catalog, events: [view('v1', 1000), view('v2', 2000)], now: 3000 }));
    assert.equal(res.status, 200);
    const text = await res.text();
    const p = JSON.parse(text);
    assert.equal(p.now, 3000);
    assert.equal(p.events.counted, 2);
    assert.deepEqual(p.affinities.brand.map((a) => a.key), ['Acme']);
    // Events as JSON Lines text give the same bytes as an array.
    const jsonl = await post('/v1/profile', JSON.stringify({ catalog, events: `${JSON.stringify(view('v1', 1000))}\n\n${JSON.stringify(view('v2', 2000))}\n`, now: 3000 }));
    assert.equal(await jsonl.text(), text);
  });
  test('POST /v1/profile refuses bad requests with the field named', async () => {
    const cases = [
      ['not json', 400, 'invalid_json', ''],
      ['[1]', 400, 'invalid_field', ''],
      [JSON.stringify({ events: [], now: 1 }), 400, 'missing_field', 'catalog'],
      [JSON.stringify({ catalog, events: [], now: -1 }), 400, 'invalid_field', 'now'],
      [JSON.stringify({ catalog, events: [], now: 1.5 }), 400, 'invalid_field', 'now'],
      [JSON.stringify({ catalog, now: 1 }), 400, 'missing_field', 'events'],
      [JSON.stringify({ catalog: '{"id":"A"}\n', events: [], now: 1 }), 422, 'missing_field', 'line 1: currency'],
      [JSON.stringify({ catalog, config: { half_life_days: -1 }, events: [], now: 1 }), 422, 'invalid_config', 'half_life_days'],
      [JSON.stringify({ catalog, events: [{ type: 'view', id: 'x', ts: 1, uid: 'u' }], now: 1 }), 422, 'missing_field', '[0].item_id'],
    ];
    for (const [body, status, code, where] of cases) {
      const res = await post('/v1/profile', body);
      assert.equal(res.status, status, body);
      const e = await res.json();
      assert.equal(e.ok, false);
      assert.equal(e.code, code, body);
      assert.equal(e.where, where, body);
    }
  });
  test('POST /v1/profile: a 4 MiB body reaches the parser, one byte more is refused', async () => {
    const pad = (n) => {
      const base = JSON.stringify({ now: 1, events: [], catalog });
      return JSON.stringify({ now: 1, events: [], catalog: catalog + ' '.repeat(n - base.length) });
    };
    assert.equal(pad(4 << 20).length, 4 << 20);
    const atLimit = await post('/v1/profile', pad(4 << 20));
    assert.equal(atLimit.status, 200, 'trailing blanks in JSON Lines are skipped');
    // The worker reads the rest of an oversized body without keeping it, then answers 413.
    const over = await rawPost('/v1/profile', pad((4 << 20) + 1));
    assert.equal(over.status, 413);
    assert.equal(JSON.parse(over.body).code, 'limit_exceeded');
  });
  test('each request gets its own core: hostile input does not affect the next', async () => {
    assert.equal((await post('/v1/events/decode', '['.repeat(10000))).status, 422);
    assert.equal((await post('/v1/events/decode', '{"type":"view","id":"e","ts":1,"uid":"u","item_id":"B"}')).status, 200);
  });
});
