// The SDK's transport (web/sdk/sync.mjs) and its consent gating (web/sdk/index.mjs)
// under Node, against a fake tailor-sync that stores events by id the way the
// real one does: batching limits, backoff and Retry-After, token refresh, 413
// halving, erasure, the outbox bound, and the ETag cache. The real server and
// Chromium are in tests/web/sdk.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Sync, SYNC_LIMITS } from '../../web/sdk/sync.mjs';
import { MemoryStore } from '../../web/sdk/store.mjs';
import { TailorSDK, cachedFetch } from '../../web/sdk/index.mjs';
import { ensureStore } from '../../examples/demo.mjs';
import { ensureBundle } from '../../examples/sync.mjs';

const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const ev = (i, ts = 1700000000000 + i) => ({ id: `e${i}`, type: 'view', ts, uid: 'u1', item_id: 'sku-1' });

/** A fake tailor-sync: idempotent by id; `script` can answer a request first. */
function fakeServer(script = () => null) {
  const stored = new Map();
  const calls = [];
  const fetch = async (url, init = {}) => {
    const call = { url, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body, keepalive: init.keepalive };
    calls.push(call);
    const scripted = await script(call, calls.length);
    if (scripted) return scripted;
    if (call.method === 'POST' && url.endsWith('/v1/events')) {
      let accepted = 0;
      let duplicates = 0;
      for (const e of JSON.parse(call.body)) {
        if (stored.has(e.id)) duplicates++;
        else { stored.set(e.id, e); accepted++; }
      }
      return json(200, { accepted, duplicates, rejected: [] });
    }
    return json(404, { error: { code: 'not_found', message: url } });
  };
  return { stored, calls, fetch, posts: () => calls.filter((c) => c.method === 'POST') };
}

function makeSync(server, over = {}) {
  let tokens = 0;
  const o = {
    url: 'http://sync.test', key: 'tsb_key', store: new MemoryStore(), fetch: server.fetch,
    uid: () => 'u1', allowed: () => true, delayMs: 0, retry: { baseMs: 5, maxMs: 40 },
    token: async () => `v1.${Math.floor(Date.now() / 1000) + 3600}.dTE.t${++tokens}`,
    ...over,
  };
  const sync = new Sync(o);
  return { sync, o, tokens: () => tokens };
}

const until = async (fn, ms = 5000) => {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('batches hold at most SYNC_LIMITS.batchEvents events; every event is stored once', async () => {
  const server = fakeServer();
  const { sync } = makeSync(server);
  const n = SYNC_LIMITS.batchEvents * 2 + 1; // N, N, 1
  await sync.enqueue(Array.from({ length: n }, (_, i) => ev(i)));
  await sync.flush();
  assert.deepEqual(server.posts().map((c) => JSON.parse(c.body).length), [SYNC_LIMITS.batchEvents, SYNC_LIMITS.batchEvents, 1]);
  assert.equal(server.stored.size, n);
  assert.equal(sync.pending, 0);
  assert.ok(server.posts().every((c) => c.keepalive === (c.body.length < SYNC_LIMITS.keepaliveBytes)));
  assert.ok(server.posts().every((c) => c.headers.authorization === 'Bearer tsb_key' && c.headers['x-tailor-token'].startsWith('v1.')));
});

test('network failures back off exponentially, then the same ids are delivered exactly once', async () => {
  let failures = 3;
  const server = fakeServer((call) => {
    if (call.method === 'POST' && failures > 0) {
      failures--;
      // The first failure happens after the server stored the batch (the answer was lost).
      if (failures === 2) {
        for (const e of JSON.parse(call.body)) server.stored.set(e.id, e);
      }
      throw new TypeError('Failed to fetch');
    }
    return null;
  });
  const { sync } = makeSync(server);
  await sync.enqueue([ev(1), ev(2), ev(3)]);
  await sync.flush();
  assert.equal(sync.pending, 3, 'kept after a failure');
  await until(() => sync.pending === 0);
  assert.equal(server.posts().length, 4, '3 failures + 1 success');
  const bodies = server.posts().map((c) => JSON.parse(c.body).map((e) => e.id).join());
  assert.deepEqual(new Set(bodies), new Set(['e1,e2,e3']), 'every retry re-sends the same ids');
  assert.equal(server.stored.size, 3);
  assert.equal(sync.stats.duplicates, 3, 'the lost answer: the server already had them');
  assert.equal(sync.stats.failures, 3);
});

test('429 waits for Retry-After; other 5xx retry; a 4xx does not spin', async () => {
  let n = 0;
  const server = fakeServer((call) => (call.method === 'POST' && n++ === 0
    ? json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '1' }) : null));
  const { sync } = makeSync(server);
  await sync.enqueue([ev(1)]);
  const t0 = Date.now();
  await sync.flush();
  assert.ok(sync.nextRetryMs >= 1000, `next retry in ${sync.nextRetryMs} ms`);
  await until(() => sync.pending === 0, 5000);
  assert.ok(Date.now() - t0 >= 990);
  assert.equal(sync.lastError.code, 'rate_limited');

  const forbidden = fakeServer((call) => (call.method === 'POST' ? json(403, { error: { code: 'forbidden', message: 'no' } }) : null));
  const s2 = makeSync(forbidden, { retry: { baseMs: 5, maxMs: 300 } }).sync;
  await s2.enqueue([ev(1)]);
  await s2.flush();
  assert.equal(s2.nextRetryMs >= 150, true, 'a 4xx backs off to the maximum at once');
  assert.equal(s2.pending, 1);
  s2.stop();
});

test('an expired token is replaced once; 413 halves the batch', async () => {
  let first = true;
  const server = fakeServer((call) => {
    if (call.method !== 'POST') return null;
    if (first) {
      first = false;
      return json(401, { error: { code: 'invalid_token', message: 'expired' } });
    }
    if (JSON.parse(call.body).length > 50) return json(413, { error: { code: 'payload_too_large', message: 'big' } });
    return null;
  });
  const { sync, tokens } = makeSync(server);
  await sync.enqueue(Array.from({ length: 120 }, (_, i) => ev(i)));
  await sync.flush();
  assert.equal(tokens(), 2, 'a fresh token after invalid_token');
  assert.equal(server.stored.size, 120);
  const sizes = server.posts().map((c) => JSON.parse(c.body).length);
  assert.deepEqual(sizes.slice(0, 4), [120, 120, 60, 30]);
  assert.ok(sizes.slice(3).every((s) => s <= 50));
});

test('nothing is sent while not allowed, except a final (withdrawal) event', async () => {
  let allowed = false;
  const server = fakeServer();
  const { sync, tokens } = makeSync(server, { allowed: () => allowed });
  await sync.enqueue([ev(1), ev(2)]);
  await sync.flush();
  assert.equal(server.calls.length, 0);
  assert.equal(tokens(), 0, 'not even a token request');
  const withdrawal = { id: 'c1', type: 'consent', ts: 1700000000100, uid: 'u1', analytics: false, personalization: false, marketing: false };
  await sync.enqueue([withdrawal], { final: true });
  await sync.keepOnlyFinal();
  await sync.flush();
  assert.deepEqual([...server.stored.keys()], ['c1']);
  assert.equal(sync.pending, 0);
  allowed = true;
  await sync.flush();
  assert.equal(server.posts().length, 1, 'the dropped events stay dropped');
});

test('the outbox keeps at most SYNC_LIMITS.outboxEvents (N kept, N+1 drops the oldest)', async () => {
  const { sync, o } = makeSync(fakeServer(), { allowed: () => false });
  const N = SYNC_LIMITS.outboxEvents;
  await sync.enqueue(Array.from({ length: N }, (_, i) => ev(i)));
  assert.equal(sync.pending, N);
  await sync.enqueue([ev(N)]);
  assert.equal(sync.pending, N);
  assert.ok(!sync.pendingIds().includes('e0') && sync.pendingIds().includes(`e${N}`));
  assert.equal((await o.store.outboxAll()).length, N, 'the stored copy matches');
  // A new Sync over the same store (a reload) picks the queue up.
  const again = new Sync({ ...o });
  await again.load();
  assert.equal(again.pending, N);
});

test('an erased shopper: the queue is dropped and sync stops', async () => {
  let erasedUid = '';
  const server = fakeServer((call) => (call.method === 'POST'
    ? json(422, { accepted: 0, duplicates: 0, rejected: [{ index: 0, code: 'erased', message: 'erased', where: '[0]' }] }) : null));
  const { sync } = makeSync(server, { onErased: (uid) => { erasedUid = uid; } });
  await sync.enqueue([ev(1)]);
  await sync.flush();
  assert.equal(erasedUid, 'u1');
  assert.equal(sync.pending, 0);
  await sync.enqueue([ev(2)]);
  await sync.flush();
  assert.equal(server.posts().length, 1, 'stopped');
});

test('the pull follows the watermark page by page', async () => {
  const pages = [
    { events: [ev(1)], watermark: 5, has_more: true },
    { events: [ev(2)], watermark: 9, has_more: false },
  ];
  const server = fakeServer((call) => (call.url.includes('/v1/profiles/') ? json(200, pages.shift()) : null));
  const { sync } = makeSync(server);
  const r = await sync.pull(3);
  assert.deepEqual(r.events.map((e) => e.id), ['e1', 'e2']);
  assert.equal(r.watermark, 9);
  assert.match(server.calls[0].url, /\/v1\/profiles\/u1\?since=3&profile=0&limit=1000$/);
  assert.match(server.calls[1].url, /since=5&/);
});

test('cachedFetch revalidates with If-None-Match and falls back to the cache offline', async () => {
  const store = new MemoryStore();
  let mode = 'fresh';
  const seen = [];
  const fetchFn = async (url, init) => {
    seen.push(init.headers['if-none-match'] ?? '');
    if (mode === 'down') throw new TypeError('Failed to fetch');
    if (init.headers['if-none-match'] === '"v1"') return new Response(null, { status: 304 });
    return new Response(new Uint8Array([1, 2, 3]), { status: 200, headers: { etag: '"v1"' } });
  };
  const a = await cachedFetch('bundle', { url: 'http://x/b' }, fetchFn, store, { binary: true });
  assert.equal(a.from, 'network');
  const b = await cachedFetch('bundle', { url: 'http://x/b' }, fetchFn, store, { binary: true });
  assert.equal(b.from, 'revalidated');
  assert.deepEqual([...new Uint8Array(b.body)], [1, 2, 3]);
  mode = 'down';
  assert.equal((await cachedFetch('bundle', { url: 'http://x/b' }, fetchFn, store, { binary: true })).from, 'cache');
  assert.deepEqual(seen, ['', '"v1"', '"v1"']);
  await assert.rejects(cachedFetch('bundle', { url: 'http://x/other' }, fetchFn, store), /Failed to fetch/);
});

test('the SDK sends nothing before consent, then the whole local profile; the core decides consent', async () => {
  const tailor = await import('../../build/wasm/pkg/index.mjs');
  const catalog = [
    { id: 'sku-1', title: 'Mug', category: ['Home', 'Kitchen'], price: 9.5, currency: 'GBP' },
    { id: 'sku-2', title: 'Jug', category: ['Home', 'Kitchen'], price: 12, currency: 'GBP' },
  ].map((x) => JSON.stringify(x)).join('\n');
  const server = fakeServer();
  const tokenCalls = [];
  const sdk = await TailorSDK.start({
    tailor, catalog, store: new MemoryStore(), root: null, flushDelayMs: 0,
    fetch: server.fetch,
    server: { url: 'http://sync.test', key: 'tsb_key', token: async (uid) => { tokenCalls.push(uid); return 'v1.9999999999.x.y'; } },
  });
  assert.throws(() => sdk.recommend('home'), /no bundle/);
  sdk.track('view', { item_id: 'sku-1' });
  sdk.track('add_to_cart', { item_id: 'sku-2', quantity: 2 });
  assert.equal(sdk.track('view', {}), null, 'a bad event is rejected by the core');
  await sdk.flush();
  assert.equal(server.calls.length, 0);
  assert.equal(tokenCalls.length, 0);
  // Declining sends nothing either, and the core turns personalization off.
  await sdk.consent({ personalization: false });
  await sdk.flush();
  assert.equal(server.calls.length, 0);
  assert.equal(sdk.profile().personalized, false);
  assert.equal(sdk.profile().reason, 'no_consent');
  // Consent: everything kept on the device goes, each event once.
  await sdk.consent({ personalization: true, analytics: true });
  await sdk.flush();
  await until(() => sdk.status().pending === 0);
  const local = JSON.parse(sdk.tailor.exportState()).events;
  assert.deepEqual([...server.stored.keys()].sort(), local.map((e) => e.id).sort());
  assert.equal(local.filter((e) => e.type === 'consent').length, 2, 'both choices are recorded');
  assert.deepEqual(tokenCalls, [sdk.uid]);
  assert.equal(sdk.profile().personalized, true);
  sdk.close();
});

test('the SDK refuses bad options with clear errors', async () => {
  const tailor = await import('../../build/wasm/pkg/index.mjs');
  const base = { tailor, catalog: '{"id":"a","price":1,"currency":"GBP"}', store: new MemoryStore(), root: null };
  await assert.rejects(TailorSDK.start({ ...base, server: { url: 'http://x', key: 'k' } }), /server\.token/);
  await assert.rejects(TailorSDK.start({ ...base, server: { url: '', key: 'k', token: async () => 't' } }), /server\.url/);
  await assert.rejects(TailorSDK.start({ ...base, syncPurpose: 'everything' }), /syncPurpose/);
  await assert.rejects(TailorSDK.start({ ...base, catalog: undefined }), /catalog is required/);
  await assert.rejects(TailorSDK.start({ ...base, catalog: '{"id":"a"}' }), (e) => e.code === 'missing_field');
  // A corrupt bundle leaves the SDK usable without recommendations, with a warning.
  const bad = await TailorSDK.start({ ...base, bundle: new Uint8Array([1, 2, 3]) });
  assert.equal(bad.recommender, null);
  bad.close();
  const cli = new URL('../../build/native/tailor', import.meta.url).pathname;
  const good = await TailorSDK.start({ ...base, bundle: readFileSync(ensureBundle(cli, ensureStore('generated'))) });
  assert.ok(good.recommender.info.items > 0);
  good.close();
});

test('recommend hands the core the newest recommendEvents history events, and the same decision comes back', async () => {
  const tailor = await import('../../build/wasm/pkg/index.mjs');
  const cli = new URL('../../build/native/tailor', import.meta.url).pathname;
  const dir = ensureStore('generated');
  const catalog = readFileSync(`${dir}/catalog.jsonl`, 'utf8');
  const ids = catalog.split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
  const base = { tailor, catalog, store: new MemoryStore(), root: null, bundle: readFileSync(ensureBundle(cli, dir)) };
  await assert.rejects(TailorSDK.start({ ...base, recommendEvents: 5001 }), /recommendEvents must be an integer 0\.\.5000/);
  const full = await TailorSDK.start({ ...base, recommendEvents: 5000 });
  full.close();
  const NOW = 1795000000000;
  const sdk = await TailorSDK.start({ ...base, store: new MemoryStore(), recommendEvents: 3, now: () => NOW });
  const t0 = NOW - 60000;
  let t = t0;
  sdk.tailor.track([0, 1, 2, 3, 4].map((i) => ({ id: `h${i}`, type: 'view', ts: t++, uid: sdk.uid, item_id: ids[i * 11] })), { now: NOW });
  sdk.track('search', { query: 'mug' }); // not read by the recommender
  const events = JSON.parse(sdk.tailor.exportState()).events.filter((e) => e.type === 'view').slice(-3);
  const want = sdk.recommender.recommend({ slot: 'home', now: NOW, events, size: 5 });
  const got = sdk.recommend('home', { size: 5 });
  assert.deepEqual(got.items.map((i) => i.id), want.items.map((i) => i.id));
  assert.ok(got.items.some((i) => i.reasons.some((r) => r.source === 'repeat')), 'history used');
  // Declining personalization: no history at all (the core says the profile is not personalized).
  await sdk.consent({ personalization: false });
  const cold = sdk.recommend('home', { size: 5 });
  assert.equal(cold.fallback, 'cold_start');
  sdk.close();
});

test('each request carries one uid and that uid\'s token (queued events of a merged anonymous id)', async () => {
  const server = fakeServer();
  const asked = [];
  const { sync } = makeSync(server, {
    uid: () => 'u1',
    token: async (uid) => { asked.push(uid); return `v1.${Math.floor(Date.now() / 1000) + 3600}.${uid}.mac`; },
  });
  const anon = (i) => ({ ...ev(i), uid: 'a-0123456789abcdef' });
  sync.setToken('u1', 'v1.9999999999.u1.given');
  await sync.enqueue([anon(1), anon(2), ev(3), anon(4)]);
  await sync.flush();
  const posts = server.posts().map((c) => ({ uids: [...new Set(JSON.parse(c.body).map((e) => e.uid))], token: c.headers['x-tailor-token'] }));
  assert.deepEqual(posts, [
    { uids: ['a-0123456789abcdef'], token: posts[0].token },
    { uids: ['u1'], token: 'v1.9999999999.u1.given' },
  ]);
  assert.match(posts[0].token, /\.a-0123456789abcdef\.mac$/);
  assert.deepEqual(asked, ['a-0123456789abcdef'], 'the token given for u1 is used, not asked for');
  assert.equal(server.stored.size, 4);
  assert.throws(() => sync.setToken('u1', ''), /non-empty string/);
});

test('identify posts both ids with uid\'s token and previous_token; a refusal carries its status', async () => {
  const server = fakeServer((call) => {
    if (!call.url.endsWith('/v1/identify')) return null;
    const b = JSON.parse(call.body);
    if (b.previous_uid === 'a-bad') return json(403, { error: { code: 'forbidden', message: 'previous_token must be a valid token' } });
    return json(200, { uid: b.uid, moved: 2, duplicates: 0, already_merged: false });
  });
  const { sync } = makeSync(server, { token: async (uid) => `v1.9999999999.${uid}.mac` });
  const r = await sync.identify('alice', 'a-0123456789abcdef');
  assert.deepEqual(r, { uid: 'alice', moved: 2, duplicates: 0, already_merged: false });
  const call = server.calls.at(-1);
  assert.deepEqual(JSON.parse(call.body), { uid: 'alice', previous_uid: 'a-0123456789abcdef', previous_token: 'v1.9999999999.a-0123456789abcdef.mac' });
  assert.equal(call.headers['x-tailor-token'], 'v1.9999999999.alice.mac');
  await assert.rejects(sync.identify('alice', 'a-bad'), (e) => e.status === 403 && e.code === 'forbidden');
});

// A fake tailor-sync that also merges identities and settings the way the real one
// does (aliases; union of suppressions, latest switch wins) for the SDK-level tests.
function fakeAccountServer() {
  const aliases = new Map();
  const settings = new Map(); // canonical uid -> {suppressed, personalization}
  const canon = (u) => aliases.get(u) ?? u;
  const server = fakeServer((call) => {
    if (call.url.endsWith('/v1/identify')) {
      const b = JSON.parse(call.body);
      aliases.set(b.previous_uid, b.uid);
      return json(200, { uid: b.uid, moved: 0, duplicates: 0, already_merged: false });
    }
    const m = call.url.match(/\/v1\/profiles\/([^/]+)\/settings$/);
    if (m) {
      const uid = canon(decodeURIComponent(m[1]));
      const mine = settings.get(uid) ?? { suppressed: [], personalization: { enabled: true, ts: 0 } };
      const b = JSON.parse(call.body);
      const keys = new Set(mine.suppressed.map((s) => `${s.kind}\u0000${s.key}`));
      for (const s of b.suppressed ?? []) if (!keys.has(`${s.kind}\u0000${s.key}`)) mine.suppressed.push(s);
      if ((b.personalization?.ts ?? 0) > mine.personalization.ts) mine.personalization = b.personalization;
      settings.set(uid, mine);
      return json(200, { uid, canonical_uid: uid, settings: { version: 1, events: [], ...mine } });
    }
    if (call.url.includes('/v1/profiles/')) return json(200, { events: [], watermark: 0, has_more: false });
    return null;
  });
  return { ...server, aliases, settings };
}

const smallCatalog = [
  { id: 'sku-1', title: 'Mug', category: ['Home', 'Kitchen'], price: 9.5, currency: 'GBP', tags: ['vegan'] },
  { id: 'sku-2', title: 'Jug', category: ['Home', 'Kitchen'], price: 12, currency: 'GBP' },
].map((x) => JSON.stringify(x)).join('\n');

async function accountSdk(server, over = {}) {
  const tailor = await import('../../build/wasm/pkg/index.mjs');
  return TailorSDK.start({
    tailor, catalog: smallCatalog, store: new MemoryStore(), root: null, flushDelayMs: 0, fetch: server.fetch,
    server: { url: 'http://sync.test', key: 'tsb_key', token: async (uid) => `v1.9999999999.${uid}.mac` },
    ...over,
  });
}

test('identify with consent: the server merges first, the profile continues under the new uid, nothing counts twice', async () => {
  const server = fakeAccountServer();
  const sdk = await accountSdk(server);
  const anon = sdk.uid;
  sdk.track('view', { item_id: 'sku-1' });
  await sdk.consent({ personalization: true, analytics: true });
  sdk.track('view', { item_id: 'sku-2' }); // queued under the anonymous id
  const r = await sdk.identify('alice', 'v1.9999999999.alice.given');
  assert.equal(r.previousUid, anon);
  assert.equal(r.server.uid, 'alice');
  assert.equal(sdk.uid, 'alice');
  assert.equal(server.aliases.get(anon), 'alice');
  sdk.track('add_to_cart', { item_id: 'sku-1' });
  await sdk.flush();
  await until(() => sdk.status().pending === 0);
  const local = JSON.parse(sdk.tailor.exportState()).events;
  assert.deepEqual([...server.stored.keys()].sort(), local.map((e) => e.id).sort(), 'every event once');
  const link = local.find((e) => e.type === 'identify');
  assert.deepEqual([link.uid, link.previous_uid], ['alice', anon]);
  assert.equal(local.find((e) => e.type === 'add_to_cart').uid, 'alice');
  assert.deepEqual(sdk.profile().identities.uids, [anon, 'alice'].sort());
  assert.equal(sdk.profile().events.by_type.view, 2, 'the anonymous views are in the signed-in profile');
  // Each upload went with its own uid's token (the given one for alice).
  for (const c of server.posts().filter((x) => x.url.endsWith('/v1/events'))) {
    const uids = new Set(JSON.parse(c.body).map((e) => e.uid));
    assert.equal(uids.size, 1);
    const [u] = uids;
    assert.equal(c.headers['x-tailor-token'], u === 'alice' ? 'v1.9999999999.alice.given' : `v1.9999999999.${u}.mac`);
  }
  // Another account signing in on this device is never merged into alice's.
  const calls = server.calls.length;
  const switched = await sdk.identify('carol');
  assert.deepEqual([switched.uid, switched.previousUid, sdk.uid], ['carol', null, 'carol']);
  assert.equal(server.aliases.get('alice'), undefined);
  assert.ok(server.calls.slice(calls).every((c) => !c.url.endsWith('/v1/identify')));
  assert.equal(sdk.profile().events.total, 0, 'none of alice\'s events');
  assert.equal(sdk.consentState, null);
  // Sign-out: a fresh anonymous shopper without consent or events.
  const out = await sdk.reset();
  assert.equal(out.uid, 'carol');
  assert.match(sdk.uid, /^a-[0-9a-f]{16}$/);
  assert.notEqual(sdk.uid, anon);
  assert.equal(sdk.consentState, null);
  assert.equal(sdk.profile().events.total, 0);
  sdk.close();
});

test('identify before consent merges on the device and on the server once consent is given; a refusal changes nothing', async () => {
  const server = fakeAccountServer();
  const sdk = await accountSdk(server);
  const anon = sdk.uid;
  sdk.track('view', { item_id: 'sku-1' });
  const r = await sdk.identify('bob');
  assert.equal(r.server, null, 'no consent: nothing sent');
  assert.equal(server.calls.length, 0);
  assert.equal(sdk.uid, 'bob');
  await sdk.consent({ personalization: true });
  await until(() => server.aliases.get(anon) === 'bob');
  await sdk.flush();
  await until(() => sdk.status().pending === 0);
  const firstIdentify = server.calls.findIndex((c) => c.url.endsWith('/v1/identify'));
  assert.ok(firstIdentify >= 0);
  assert.equal(server.stored.size, JSON.parse(sdk.tailor.exportState()).events.length);

  const refusing = fakeServer((call) => (call.url.endsWith('/v1/identify')
    ? json(403, { error: { code: 'forbidden', message: 'the shopper token must name uid' } }) : null));
  const other = await accountSdk(refusing);
  await other.consent({ personalization: true });
  const before = other.uid;
  await assert.rejects(other.identify('mallory', 'v1.1.bad.token'), (e) => e.status === 403);
  assert.equal(other.uid, before, 'still the anonymous shopper');
  assert.equal(JSON.parse(other.tailor.exportState()).events.some((e) => e.type === 'identify'), false);
  await assert.rejects(other.identify(''), /1 to 128 bytes/);
  other.close();
  sdk.close();
});

test('settings round-trip: a deleted tag reaches the server, the server\'s settings reach the device', async () => {
  const server = fakeAccountServer();
  const sdk = await accountSdk(server);
  sdk.deleteTag('tag', 'vegan');
  await sdk.flush();
  assert.equal(server.calls.length, 0, 'not before consent');
  await sdk.consent({ personalization: true });
  await until(() => server.settings.get(sdk.uid)?.suppressed.length === 1);
  assert.deepEqual(server.settings.get(sdk.uid).suppressed, [{ kind: 'tag', key: 'vegan' }]);
  // Another device of the shopper deleted a brand and turned personalization off later.
  const s = server.settings.get(sdk.uid);
  s.suppressed.push({ kind: 'brand', key: 'Acme' });
  s.personalization = { enabled: false, ts: Date.now() - 1000 };
  assert.equal(await sdk.syncSettings(), true);
  const p = sdk.profile();
  assert.deepEqual(p.suppressed.map((x) => `${x.kind}:${x.key}`).sort(), ['brand:Acme', 'tag:vegan']);
  assert.equal(p.personalized, false);
  assert.equal(p.reason, 'opted_out');
  sdk.close();
});

test('experiments in the SDK: the core decides as GrowthBook, one exposure per experiment with the server\'s id, sticky across loads', async () => {
  const tailor = await import('../../build/wasm/pkg/index.mjs');
  const { GrowthBook } = await import('@growthbook/growthbook');
  const { sdkResults } = await import('../oracles/experiment-gen.mjs');
  const { DEMO_FEATURES } = await import('../../examples/sync.mjs');
  const { createHash } = await import('node:crypto');
  const store = new MemoryStore();
  const base = { tailor, catalog: smallCatalog, store, root: null, experiments: { config: { profile: {}, features: DEMO_FEATURES } } };
  const sdk = await TailorSDK.start(base);
  const want = sdkResults(GrowthBook, { features: DEMO_FEATURES, attributes: { id: sdk.uid } });
  const hero = sdk.feature('hero-layout');
  assert.deepEqual(hero, want['hero-layout']);
  assert.equal(sdk.getFeatureValue('hero-layout', 'x'), want['hero-layout'].value);
  assert.equal(sdk.isOn('free-shipping-banner'), want['free-shipping-banner'].on);
  assert.deepEqual(sdk.feature('no-such-feature'), { value: null, on: false, off: true, source: 'unknownFeature', ruleId: '' });
  const exposures = () => JSON.parse(sdk.tailor.exportState()).events.filter((e) => e.type === 'exposure');
  await until(() => exposures().length === 1);
  const key = `id${sdk.uid}exp-hero-layout${hero.experimentResult.variationId}`;
  assert.deepEqual(exposures().map((e) => [e.id, e.experiment, e.variation]),
    [[`x-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`, 'exp-hero-layout', hero.experimentResult.key]]);
  sdk.feature('hero-layout');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(exposures().length, 1, 'once per shopper, experiment and variation');
  const uid = sdk.uid;
  sdk.close();
  // A later page load: same shopper, same bucket (from the sticky docs), no new exposure.
  const again = await TailorSDK.start(base);
  assert.equal(again.uid, uid);
  const later = again.feature('hero-layout');
  assert.deepEqual([later.value, later.experimentResult.stickyBucketUsed], [hero.value, true]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(JSON.parse(again.tailor.exportState()).events.filter((e) => e.type === 'exposure').length, 1);
  assert.equal(again.status().experiments.exposed, 1);
  again.close();
  // A config the core refuses: a warning, every feature unknown; no config and no server: an error.
  const broken = await TailorSDK.start({ ...base, store: new MemoryStore(), experiments: { config: '{"features": ' } });
  assert.deepEqual(broken.features(), {});
  assert.equal(broken.status().experiments, null);
  broken.close();
  await assert.rejects(TailorSDK.start({ ...base, experiments: true }), /experiments need experiments\.config or a server/);
  await assert.rejects(TailorSDK.start({ ...base, experiments: { cookie: 'sometimes' } }), /experiments\.cookie/);
});

test('settings the core refuses from the server leave the device\'s as they were, with a warning', async () => {
  const server = fakeServer((call) => (call.url.endsWith('/settings')
    ? json(200, { settings: { version: 1, events: [], suppressed: [{ kind: 'planet', key: 'mars' }], personalization: { enabled: true, ts: 0 } } })
    : call.url.includes('/v1/profiles/') ? json(200, { events: [], watermark: 0, has_more: false }) : null));
  const sdk = await accountSdk(server);
  const warned = [];
  sdk.addEventListener('warning', (e) => warned.push(`${e.detail.what}: ${e.detail.error?.code}`));
  await sdk.consent({ personalization: true });
  sdk.deleteTag('tag', 'vegan');
  assert.equal(await sdk.syncSettings(), false);
  assert.deepEqual(sdk.profile().suppressed, [{ kind: 'tag', key: 'vegan' }]);
  await until(() => warned.length > 0); // warnings from the first moments are dispatched after a task
  assert.ok(warned.some((w) => w.startsWith('settings: invalid')), JSON.stringify(warned));
  sdk.close();
});
