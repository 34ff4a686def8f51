// The storefront SDK (web/sdk) in a real Chromium against a real tailor-sync on
// SQLite: the demo storefront with its sample store, bundle and server.
// What is checked: nothing leaves the browser before consent; data-tailor-*
// attributes become events; recommendations come with reasons, change as the
// visitor clicks and never flash their fallback; after consent every event
// reaches the server exactly once, also across a server outage and a page
// unload (beacon + retry); the profile pull follows the watermark; the bundle
// is revalidated with its ETag; withdrawal and erasure stop the sync.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo } from '../../examples/demo.mjs';
import { launchChromium } from '../runtimes/chromium.mjs';
import { adminRequest, storedEvents } from './sync-admin.mjs';

let demo;
let browser;
let page;
let dbDir;
const requests = []; // every request the page makes to tailor-sync or to the demo's /api/token, /api/forget

// Records, before any page script runs, how each slot looked when it was inserted and
// whether it was filled before the next frame was painted.
function watchSlots() {
  window.__slotLog = [];
  const seen = new WeakSet();
  const check = (el) => {
    if (seen.has(el)) return;
    seen.add(el);
    const entry = {
      slot: el.getAttribute('data-tailor-slot') ?? `copy:${el.getAttribute('data-tailor-copy')}`,
      visibleUnfilled: !el.hasAttribute('data-tailor-state') && getComputedStyle(el).visibility !== 'hidden',
      stateAtFrame: null,
    };
    window.__slotLog.push(entry);
    requestAnimationFrame(() => { entry.stateAtFrame = el.getAttribute('data-tailor-state'); });
  };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        for (const el of [n, ...n.querySelectorAll('[data-tailor-slot],[data-tailor-copy]')]) {
          if (el.matches('[data-tailor-slot],[data-tailor-copy]')) check(el);
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
}

const sdk = (fn, arg) => page.evaluate(fn, arg);
const status = () => sdk(() => window.tailorSdk.status());
const uid = () => sdk(() => window.tailorSdk.uid);
const localEvents = () => sdk(() => JSON.parse(window.tailorSdk.tailor.exportState()).events);

const admin = (method, path, body) => adminRequest(demo.sync, method, path, body);

const serverEvents = (id) => storedEvents(demo.sync, id);

// Flushes and waits until the outbox is empty and no new event appeared meanwhile
// (a consent change re-fills the slots, which records impressions a moment later).
async function synced(timeout = 30000) {
  for (let round = 0; round < 20; round++) {
    const n = (await localEvents()).length;
    await sdk(() => window.tailorSdk.flush());
    await page.waitForFunction(() => {
      const s = window.tailorSdk.status();
      return s.syncAllowed && s.pending === 0;
    }, null, { timeout, polling: 100 });
    await new Promise((r) => setTimeout(r, 200));
    if ((await localEvents()).length === n && (await status()).pending === 0) return;
  }
  throw new Error('the device kept producing events');
}

// The server holds each local event exactly once, with the same content.
async function assertExactlyOnce() {
  const id = await uid();
  const local = await localEvents();
  const remote = await serverEvents(id);
  const ids = remote.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'no event id twice on the server');
  assert.deepEqual([...ids].sort(), local.map((e) => e.id).sort(), 'the server has exactly the events of the device');
  const byId = new Map(remote.map((e) => [e.id, e]));
  for (const e of local) assert.deepEqual(byId.get(e.id), e, `event ${e.id} arrived unchanged`);
  return local.length;
}

async function goHome() {
  await page.goto(`${demo.url}/#/`);
  await page.waitForSelector('[data-testid=slot-home][data-tailor-state=filled]');
}

const homeIds = () => page.$$eval('[data-testid=slot-home] [data-testid=product-card]', (els) => els.map((e) => e.dataset.item));
const syncRequests = (since = 0) => requests.slice(since).filter((r) => r.url.startsWith(demo.sync.url));

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'tailor-sdk-test-'));
  demo = await startDemo({ port: 0, db: join(dbDir, 'tailor-sync.db') });
  assert.ok(demo.sync, `tailor-sync must run for these tests: ${demo.syncError}`);
  browser = await launchChromium();
  page = browser.page;
  await page.addInitScript(watchSlots);
  // On the context: a beacon sent while the page unloads is reported there too.
  browser.context.on('request', (r) => {
    const url = r.url();
    if (url.startsWith(demo.sync.url) || /\/api\/(token|forget)$/.test(url)) {
      requests.push({ method: r.method(), url, headers: r.headers(), body: r.postData() ?? '', at: Date.now() });
    }
  });
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  if (dbDir) rmSync(dbDir, { recursive: true, force: true });
});

test('a new visitor gets cold-start recommendations with reasons, and slots never flash', async () => {
  const slot = await page.$('[data-testid=slot-home]');
  assert.equal(await slot.getAttribute('data-tailor-state'), 'filled');
  assert.equal(await slot.getAttribute('data-tailor-fallback'), 'cold_start');
  const cards = await page.$$('[data-testid=slot-home] [data-testid=product-card]');
  assert.equal(cards.length, 8, 'data-tailor-size=8');
  const sources = await page.$$eval('[data-testid=slot-home] [data-testid=reasons]', (els) => els.map((e) => e.dataset.sources));
  assert.equal(sources.length, 8);
  for (const s of sources) assert.match(s, /trending|popular/, 'cold start: trending/popular reasons');
  // The same decision as the core's, item for item.
  const core = await sdk(() => window.tailorSdk.recommend('home', { size: 8 }).items.map((i) => i.id));
  assert.deepEqual(await homeIds(), core);
  // The copy slot was rendered by the core (non-personalized variant for a new visitor).
  assert.match(await page.textContent('[data-testid=hero-copy]'), /^1500 products across 9 departments\. Browse around/);
  const log = await sdk(() => window.__slotLog);
  assert.ok(log.length >= 2);
  for (const e of log) {
    assert.equal(e.visibleUnfilled, false, `${e.slot} was visible before it was filled`);
    assert.equal(e.stateAtFrame, 'filled', `${e.slot} was filled before the first frame`);
  }
});

test('before consent nothing that names the shopper leaves the browser', async () => {
  const id = await uid();
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=0');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.click('[data-testid=add-to-cart]');
  await page.fill('[data-testid=search-input]', 'mug');
  await page.press('[data-testid=search-input]', 'Enter');
  await page.waitForSelector('[data-testid=result-count]');
  await page.waitForTimeout(2500); // past the SDK's flush delay
  const st = await status();
  assert.equal(st.consent, null);
  assert.equal(st.syncAllowed, false);
  assert.equal(await page.isVisible('[data-testid=consent-banner]'), true, 'the page asks');
  assert.match(await page.textContent('[data-testid=sync-status]'), /^Not synced: nothing leaves this browser/);
  assert.equal(st.pending, 0, 'nothing queued for upload');
  assert.ok(st.tracked >= 5, 'events were tracked on the device');
  // The only requests to tailor-sync: the bundle and the experiments config (no uid, no token,
  // no cookies, no body).
  assert.ok(requests.length >= 2);
  for (const r of requests) {
    assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
    assert.ok(['/v1/bundle', '/v1/config'].includes(new URL(r.url).pathname), r.url);
    assert.ok(!r.url.includes(id) && !('x-tailor-token' in r.headers) && !('cookie' in r.headers), 'no shopper data');
  }
  assert.deepEqual(await serverEvents(id), [], 'the server knows nothing of this shopper');
  // IndexedDB holds the profile: a reload keeps it (and still sends nothing).
  const count = (await localEvents()).length;
  await page.reload();
  await page.waitForSelector('html[data-ready=true]');
  assert.equal(await uid(), id);
  assert.ok((await localEvents()).length >= count);
  assert.ok(requests.every((r) => ['/v1/bundle', '/v1/config'].includes(new URL(r.url).pathname)));
});

test('data-tailor-* attributes become events with their fields', async () => {
  const events = await localEvents();
  const click = events.find((e) => e.type === 'click');
  assert.ok(click, 'a click from data-tailor-click');
  assert.equal(click.slot, 'home', 'slot from the enclosing data-tailor-slot');
  const view = events.find((e) => e.type === 'view');
  assert.equal(view.item_id, click.item_id, 'view from data-tailor-view on the product page');
  const add = events.find((e) => e.type === 'add_to_cart');
  assert.deepEqual([add.item_id, add.quantity], [click.item_id, 1]);
  assert.equal(events.find((e) => e.type === 'search').query, 'mug', 'search from data-tailor-search');
  const imp = events.filter((e) => e.type === 'impression' && e.slot === 'home');
  assert.ok(imp.length >= 1 && imp[0].item_ids.length === 8, 'the filled slot reported its impression');
  // data-tailor-quantity follows the page's quantity picker.
  await goHome();
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=1');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.click('[aria-label=more]');
  await page.click('[aria-label=more]');
  await page.click('[data-testid=add-to-cart]');
  const last = (await localEvents()).filter((e) => e.type === 'add_to_cart').at(-1);
  assert.equal(last.quantity, 3);
  // A hostile attribute value: the core rejects the event, the page says so, nothing is stored.
  const count = (await localEvents()).length;
  await sdk(() => {
    const b = document.createElement('button');
    b.id = 'hostile';
    b.setAttribute('data-tailor-click', 'x'.repeat(5000));
    document.querySelector('#view').append(b);
  });
  await page.click('#hostile');
  await page.waitForSelector('#profile-body .error');
  assert.match(await page.textContent('#profile-body .error'), /^1 event\(s\) rejected: (limit_exceeded|invalid_field) .*\(item_id\)$/);
  assert.equal((await localEvents()).length, count);
  // Every event carries the shopper's uid, a unique id and a time.
  const all = await localEvents();
  assert.equal(new Set(all.map((e) => e.id)).size, all.length);
  for (const e of all) assert.equal(e.uid, await uid());
});

test('recommendations follow the clicks: home and product pages, with reasons', async () => {
  await page.goto(`${demo.url}/#/`);
  await page.waitForSelector('[data-testid=slot-home][data-tailor-state=filled]');
  assert.equal(await page.getAttribute('[data-testid=slot-home]', 'data-tailor-fallback'), '', 'personalized, not cold start');
  const first = await homeIds();
  const viewed = (await localEvents()).filter((e) => e.type === 'view').map((e) => e.item_id);
  const sources = await page.$$eval('[data-testid=slot-home] [data-testid=reasons]', (els) => els.map((e) => e.dataset.sources));
  assert.ok(sources.some((s) => /repeat|ease|covisit/.test(s)), `reasons from the visitor's history: ${sources}`);
  assert.ok(first.some((id) => viewed.includes(id)) || sources.some((s) => /ease|covisit/.test(s)));
  // A product page: similar and bought-together slots anchored on it.
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=2');
  await page.waitForSelector('[data-testid=slot-similar][data-tailor-state=filled]');
  const anchor = await page.getAttribute('[data-testid=product-detail]', 'data-item');
  const because = await sdk(() => [...document.querySelectorAll('[data-testid=slot-similar] [data-testid=product-card]')]
    .map((c) => c.dataset.item));
  assert.ok(because.length >= 1 && !because.includes(anchor));
  const decision = await sdk((a) => window.tailorSdk.recommend('similar', { context: [a], size: 6 }), anchor);
  assert.deepEqual(because, decision.items.map((i) => i.id), 'the page shows the core decision');
  assert.ok(decision.items.every((i) => i.reasons.some((r) => r.because === anchor)), 'each similar item names the product');
  // Clicking more items in another department changes the home slot.
  await page.click('[data-testid=departments] a:has-text("Electronics")');
  await page.waitForSelector('[data-testid=grid-category-grid]');
  for (let i = 0; i < 3; i++) {
    await page.click(`[data-testid=grid-category-grid] [data-testid=product-card] >> nth=${i} >> [data-testid=product-link]`);
    await page.waitForSelector('[data-testid=product-detail]');
    await page.goBack();
    await page.waitForSelector('[data-testid=grid-category-grid]');
  }
  await page.goto(`${demo.url}/#/`);
  await page.waitForSelector('[data-testid=slot-home][data-tailor-state=filled]');
  const second = await homeIds();
  assert.notDeepEqual(second, first, 'the home slot changed after the clicks');
  const elec = await sdk((ids) => ids.filter((id) => window.tailorSdk.recommend('home', { size: 8 }).items.some((i) => i.id === id)), second);
  assert.deepEqual(elec, second, 'still the core decision after the clicks');
  const log = await sdk(() => window.__slotLog);
  for (const e of log) assert.equal(e.visibleUnfilled, false, `${e.slot} flashed`);
});

test('after consent every event reaches tailor-sync exactly once', async () => {
  const before = requests.length;
  await page.click('[data-testid=consent-accept]');
  await synced();
  assert.equal(await page.isVisible('[data-testid=consent-banner]'), false, 'the banner is gone');
  assert.equal(await page.isVisible('[data-testid=consent-withdraw]'), true);
  await page.waitForFunction(() => /^Synced to tailor-sync: [1-9]\d* stored, \d+ already there, 0 waiting\.$/
    .test(document.querySelector('[data-testid=sync-status]').textContent), null, { timeout: 5000 });
  const st = await status();
  assert.equal(st.consent.personalization, true);
  assert.ok(st.sync.acked > 0);
  const n = await assertExactlyOnce();
  assert.ok(n >= 15, `${n} events`);
  const posts = syncRequests(before).filter((r) => r.method === 'POST');
  assert.ok(posts.length >= 1 && posts.every((r) => r.headers['x-tailor-token'] && r.headers.authorization.startsWith('Bearer ')));
  // The server folds the same consent the device has.
  const server = await admin('GET', `/v1/profiles/${await uid()}?profile=1&limit=1`);
  assert.equal(server.json.profile.consent.personalization, true);
  assert.equal(server.json.profile.consent.event_id, st.consent.event_id);
});

test('with tailor-sync down, events wait on the device (across a reload) and flush exactly once', async () => {
  await demo.stopSync();
  await goHome();
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=0');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.click('[data-testid=add-to-cart]');
  await page.waitForFunction(() => {
    const s = window.tailorSdk.status();
    return s.sync.failures > 0 && s.pending >= 3;
  }, null, { timeout: 15000 });
  const pending = (await status()).pending;
  // The outbox lives in IndexedDB: a reload while the server is down keeps it.
  await page.reload();
  await page.waitForSelector('html[data-ready=true]');
  assert.ok((await status()).pending >= pending, 'the queue survived the reload');
  await demo.restartSync();
  await synced(30000);
  await assertExactlyOnce();
});

test('events handed to a beacon on unload are not stored twice when retried', async () => {
  await synced();
  await goHome();
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=1');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.waitForFunction(() => window.tailorSdk.status().pending >= 2); // queued, not yet flushed
  const queued = await sdk(() => window.tailorSdk.status().pending);
  const clicked = (await localEvents()).filter((e) => e.type === 'click').at(-1);
  const id = await uid();
  // Leaving the page within the flush delay: pagehide hands the queue to sendBeacon
  // (the browser delivers it after the page is gone; no page code runs any more).
  await page.goto('about:blank');
  let remote = [];
  for (let i = 0; i < 50 && !remote.some((e) => e.id === clicked.id); i++) {
    await new Promise((r) => setTimeout(r, 100));
    remote = await serverEvents(id);
  }
  assert.equal(remote.filter((e) => e.id === clicked.id).length, 1, 'the beacon delivered the click');
  // Back on the store: the outbox (IndexedDB) still holds those events, because a beacon is
  // never acknowledged; they are sent again and the server recognises every one.
  await goHome();
  await synced();
  const st = await status();
  assert.ok(st.sync.duplicates >= queued, `${st.sync.duplicates} duplicates for ${queued} re-sent events`);
  await assertExactlyOnce();
});

test('the profile pull merges another device by watermark; the bundle is revalidated by ETag', async () => {
  const id = await uid();
  await sdk(() => window.tailorSdk.pull()); // up to date: the watermark is past the device's own uploads
  const ts = Date.now() - 1000;
  const other = { id: `other-device-${ts}`, type: 'view', ts, uid: id, item_id: 'sku-00042' };
  const r = await admin('POST', '/v1/events', [other]);
  assert.equal(r.status, 200, r.text);
  const before = requests.length;
  const added = await sdk(() => window.tailorSdk.pull());
  assert.ok(added >= 1);
  assert.ok((await localEvents()).some((e) => e.id === other.id), 'the other device\'s view is in the local profile');
  const pullReq = syncRequests(before).find((x) => x.url.includes('/v1/profiles/'));
  assert.match(pullReq.url, /since=[1-9]\d*/, 'asks only for what is newer than its watermark');
  assert.equal(await sdk(() => window.tailorSdk.pull()), 0, 'nothing new the second time');
  // Reload: the bundle is asked for with If-None-Match and answered 304 from the cache.
  const statuses = [];
  await goHome();
  const onResponse = (res) => { if (res.url().endsWith('/v1/bundle')) statuses.push(res.status()); };
  page.on('response', onResponse);
  const mark = requests.length;
  await page.reload();
  await page.waitForSelector('html[data-ready=true]');
  page.off('response', onResponse);
  const bundleReq = syncRequests(mark).find((x) => x.url.endsWith('/v1/bundle'));
  assert.match(bundleReq.headers['if-none-match'] ?? '', /^"[0-9a-f]+"$/);
  assert.deepEqual(statuses, [304]);
  assert.equal((await status()).bundle.from, 'revalidated');
  assert.equal(await page.getAttribute('[data-testid=slot-home]', 'data-tailor-state'), 'filled');
});

test('a second tab folds in the first tab\'s events and consent without a reload', async () => {
  const other = await browser.context.newPage();
  try {
    await other.goto(`${demo.url}/#/`);
    await other.waitForSelector('html[data-ready=true]');
    assert.equal(await other.evaluate(() => window.tailorSdk.uid), await uid(), 'one shopper per browser');
    await goHome();
    await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=2');
    await page.waitForSelector('[data-testid=product-detail]');
    const clicked = (await localEvents()).filter((e) => e.type === 'click').at(-1);
    await other.waitForFunction((id) => JSON.parse(window.tailorSdk.tailor.exportState()).events.some((e) => e.id === id),
      clicked.id, { timeout: 10000 });
    // The home slot of the other tab followed the click.
    const mine = await sdk(() => window.tailorSdk.recommend('home', { size: 8 }).items.map((i) => i.id));
    await other.waitForFunction((ids) => [...document.querySelectorAll('[data-testid=slot-home] [data-testid=product-card]')]
      .map((c) => c.dataset.item).join() === ids.join(), mine, { timeout: 10000 });
    // Each event is uploaded once, by the tab that tracked it.
    await synced();
    await other.evaluate(() => window.tailorSdk.flush());
    await assertExactlyOnce();
    assert.equal(await other.evaluate(() => window.tailorSdk.status().syncAllowed), true);
  } finally {
    await other.close();
  }
});

test('withdrawing consent sends only the withdrawal, stops sync and turns personalization off', async () => {
  await synced();
  const id = await uid();
  const serverBefore = (await serverEvents(id)).length;
  await page.click('[data-testid=consent-withdraw]');
  await page.waitForFunction(() => window.tailorSdk.status().pending === 0, null, { timeout: 15000 });
  const st = await status();
  assert.equal(st.syncAllowed, false);
  assert.equal(st.consent.personalization, false);
  await page.waitForSelector('[data-testid=not-personalized]');
  const after = await serverEvents(id);
  assert.equal(after.length, serverBefore + 1, 'the withdrawal record only');
  assert.equal(after.at(-1).type, 'consent');
  assert.equal(after.at(-1).personalization, false);
  // Non-personalized recommendations: the cold-start decision.
  await page.goto(`${demo.url}/#/`);
  await page.waitForSelector('[data-testid=slot-home][data-tailor-state=filled]');
  assert.equal(await page.getAttribute('[data-testid=slot-home]', 'data-tailor-fallback'), 'cold_start');
  // More browsing: tracked on the device, nothing sent.
  const mark = requests.length;
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=3');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.waitForTimeout(2500);
  assert.deepEqual(syncRequests(mark).filter((r) => r.method !== 'GET' || !/\/v1\/(bundle|config)$/.test(r.url)), []);
  assert.equal((await serverEvents(id)).length, serverBefore + 1);
});

test('erasure on the server stops the sync; "forget me" erases both sides', async () => {
  // Consent again: the device uploads what it kept meanwhile.
  await page.click('[data-testid=consent-accept-again]');
  await synced();
  await assertExactlyOnce();
  const id = await uid();
  // The store erases the shopper (a request by e-mail, say): the device stops and forgets.
  const del = await admin('DELETE', `/v1/profiles/${id}`);
  assert.equal(del.status, 200, del.text);
  await goHome();
  await page.click('[data-testid=slot-home] [data-testid=product-link] >> nth=0');
  await page.waitForFunction((old) => window.tailorSdk.uid !== old, id, { timeout: 15000 });
  const st = await status();
  assert.equal(st.consent, null, 'a new anonymous profile without consent');
  assert.equal(st.pending, 0);
  assert.equal(await serverEvents(id), null, 'erased (410) on the server');
  const mark = requests.length;
  await page.waitForTimeout(2000);
  assert.deepEqual(syncRequests(mark).filter((r) => r.method === 'POST'), [], 'no uploads after erasure');
  // "Forget me" after syncing: the demo backend erases the server copy, the device starts afresh.
  await page.goto(`${demo.url}/#/`);
  await page.waitForSelector('html[data-ready=true]');
  await page.click('[data-testid=consent-accept]');
  await synced();
  const second = await uid();
  assert.ok((await serverEvents(second)).length >= 1);
  await Promise.all([page.waitForEvent('load', { timeout: 15000 }), page.click('[data-testid=reset-profile]')]);
  await page.waitForSelector('html[data-ready=true]');
  assert.notEqual(await uid(), second);
  assert.equal(await serverEvents(second), null, 'erased on the server');
  assert.ok(requests.some((r) => r.url.endsWith('/api/forget')));
  assert.equal((await status()).consent, null);
});

test('the page reported no errors other than the planned outage', () => {
  const unexpected = browser.errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch|410 \(Gone\)|503 \(Service Unavailable\)/.test(e));
  assert.deepEqual(unexpected, []);
});
