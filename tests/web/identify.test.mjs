// Signing in and out with the storefront SDK in a real Chromium against a real
// tailor-sync: identify() merges the anonymous profile into the signed-in one on
// the server (no event twice: the server's fold equals the browser's), the other
// tab follows, another device's events come back; settings (deleted tags, the
// personalization switch) round-trip both ways; sign-out starts a fresh
// anonymous shopper in every tab.
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
let other; // a second tab
let dbDir;
let anon;
const USER = 'u-ada-lovelace';

const admin = (method, path, body) => adminRequest(demo.sync, method, path, body);

const on = (p, fn, arg) => p.evaluate(fn, arg);
const uidOf = (p) => on(p, () => window.tailorSdk.uid);
const localEvents = (p = page) => on(p, () => JSON.parse(window.tailorSdk.tailor.exportState()).events);

const serverEvents = (id) => storedEvents(demo.sync, id);

async function synced(p = page) {
  for (let round = 0; round < 20; round++) {
    const n = (await localEvents(p)).length;
    await on(p, () => window.tailorSdk.flush());
    await p.waitForFunction(() => { const s = window.tailorSdk.status(); return s.syncAllowed && s.pending === 0; }, null, { timeout: 30000, polling: 100 });
    await new Promise((r) => setTimeout(r, 200));
    if ((await localEvents(p)).length === n && (await on(p, () => window.tailorSdk.status().pending)) === 0) return;
  }
  throw new Error('the device kept producing events');
}

// Both tabs: each uploads the events it tracked itself.
async function syncedBoth() {
  for (let round = 0; round < 10; round++) {
    const n = (await localEvents(page)).length;
    await synced(page);
    await synced(other);
    await synced(page);
    if ((await localEvents(page)).length === n && (await localEvents(other)).length === n) return;
  }
  throw new Error('the tabs kept producing events');
}

async function visit(p, nth) {
  await p.goto(`${demo.url}/#/`);
  await p.waitForSelector('[data-testid=slot-home][data-tailor-state=filled]');
  await p.click(`[data-testid=slot-home] [data-testid=product-link] >> nth=${nth}`);
  await p.waitForSelector('[data-testid=product-detail]');
}

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'tailor-identify-test-'));
  demo = await startDemo({ port: 0, db: join(dbDir, 'tailor-sync.db') });
  assert.ok(demo.sync, `tailor-sync must run for these tests: ${demo.syncError}`);
  browser = await launchChromium();
  page = browser.page;
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 60000 });
  other = await browser.context.newPage();
  await other.goto(`${demo.url}/`);
  await other.waitForSelector('html[data-ready=true]', { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  if (dbDir) rmSync(dbDir, { recursive: true, force: true });
});

test('signing in merges the anonymous profile into the user\'s, on the server without double counting', async () => {
  anon = await uidOf(page);
  assert.match(anon, /^a-[0-9a-f]{16}$/);
  await visit(page, 0);
  await page.click('[data-testid=consent-accept]');
  await synced();
  await visit(page, 1); // queued under the anonymous id when the sign-in happens
  // The user already has a profile from another device.
  const t0 = Date.now() - 60000;
  const elsewhere = { id: `laptop-${t0}`, type: 'view', ts: t0, uid: USER, item_id: 'sku-00042' };
  assert.equal((await admin('POST', '/v1/events', [elsewhere])).status, 200);
  await page.fill('[data-testid=sign-in-name]', 'Ada Lovelace');
  await page.click('[data-testid=sign-in]');
  await page.waitForFunction((u) => window.tailorSdk.uid === u, USER, { timeout: 15000 });
  assert.match(await page.textContent('[data-testid=signed-in-as]'), /^Signed in as ada-lovelace$/);
  assert.equal((await browser.context.cookies()).find((c) => c.name === 'tailor_uid')?.value, USER, 'the edge sees the user');
  // The other tab follows without a reload.
  await other.waitForFunction((u) => window.tailorSdk.uid === u, USER, { timeout: 15000 });
  // tailor-sync: the anonymous id is an alias of the user now.
  const alias = await admin('GET', `/v1/profiles/${anon}?profile=0&limit=1`);
  assert.equal(alias.json.canonical_uid, USER);
  // The other device's event reached this browser (the pull after identify).
  await page.waitForFunction((id) => JSON.parse(window.tailorSdk.tailor.exportState()).events.some((e) => e.id === id), elsewhere.id, { timeout: 15000 });
  await syncedBoth();
  const local = await localEvents();
  const remote = await serverEvents(USER);
  const ids = remote.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'no event twice on the server');
  assert.deepEqual([...ids].sort(), local.map((e) => e.id).sort(), 'the server has exactly the device\'s events');
  const link = local.find((e) => e.type === 'identify');
  assert.deepEqual([link.uid, link.previous_uid], [USER, anon]);
  assert.ok(local.some((e) => e.uid === anon) && local.some((e) => e.uid === USER && e.type !== 'identify'));
  // The same profile on both sides, byte for byte (the core's fold of the same events).
  const now = Date.now();
  const server = await admin('GET', `/v1/profiles/${USER}?profile=1&limit=1&now=${now}`);
  assert.deepEqual(server.json.profile, await on(page, (t) => window.tailorSdk.profile({ now: t }), now));
  assert.deepEqual(server.json.profile.identities.uids, [anon, USER].sort());
});

test('a reload keeps the signed-in shopper; their settings round-trip with the server', async () => {
  await page.reload();
  await page.waitForSelector('html[data-ready=true]');
  assert.equal(await uidOf(page), USER);
  await page.waitForFunction(() => window.tailorSdk.status().syncAllowed);
  // Deleting a tag on the device reaches the server's settings.
  await visit(page, 2);
  const tag = await on(page, () => window.tailorSdk.profile().affinities.tag[0].key);
  await page.goto(`${demo.url}/#/`);
  await page.click(`[data-testid=delete-tag][data-kind=tag][data-key="${tag}"]`);
  const serverSettings = async () => (await admin('GET', `/v1/profiles/${USER}?profile=1&limit=1`)).json.settings;
  for (let i = 0; i < 50 && !(await serverSettings()).suppressed.some((s) => s.key === tag); i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual((await serverSettings()).suppressed, [{ kind: 'tag', key: tag }]);
  // The shopper turns personalization off on another device: the next pull brings it here.
  const off = await admin('POST', `/v1/profiles/${USER}/settings`, { suppressed: [{ kind: 'brand', key: 'Elsewhere' }], personalization: { enabled: false, ts: Date.now() } });
  assert.equal(off.status, 200, off.text);
  await on(page, () => window.tailorSdk.pull());
  const p = await on(page, () => window.tailorSdk.profile());
  assert.deepEqual([p.personalized, p.reason], [false, 'opted_out']);
  assert.deepEqual(p.suppressed.map((s) => `${s.kind}:${s.key}`).sort(), ['brand:Elsewhere', `tag:${tag}`].sort());
  await page.waitForSelector('[data-testid=not-personalized]');
  await other.waitForFunction(() => window.tailorSdk.profile().personalized === false, null, { timeout: 10000 });
  // And back on from this device: the server follows.
  await page.click('[data-testid=personalized-switch]');
  for (let i = 0; i < 50 && !(await serverSettings()).personalization.enabled; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await serverSettings()).personalization.enabled, true);
  const server = await admin('GET', `/v1/profiles/${USER}?profile=1&limit=1`);
  assert.equal(server.json.profile.personalized, true);
});

test('signing out starts a fresh anonymous shopper in every tab; nothing of the user stays', async () => {
  await syncedBoth();
  await page.goto(`${demo.url}/#/`);
  await page.click('[data-testid=sign-out]');
  await page.waitForFunction((u) => window.tailorSdk.uid !== u, USER, { timeout: 15000 });
  const fresh = await uidOf(page);
  assert.match(fresh, /^a-[0-9a-f]{16}$/);
  assert.notEqual(fresh, anon);
  const st = await on(page, () => window.tailorSdk.status());
  assert.deepEqual([st.consent, st.pending, st.syncAllowed], [null, 0, false]);
  assert.ok((await localEvents()).every((e) => e.uid === fresh), 'only the new shopper\'s events');
  await other.waitForFunction((u) => window.tailorSdk.uid === u, fresh, { timeout: 15000 });
  const cookies = (await browser.context.cookies()).map((c) => c.name);
  assert.ok(!cookies.includes('demo_session') && !cookies.includes('tailor_sb') && !cookies.includes('tailor_uid'), cookies.join());
  assert.equal(await page.isVisible('[data-testid=consent-banner]'), true);
  // The user's profile is still on the server (sign-out is not erasure).
  assert.ok((await serverEvents(USER)).length > 5);
});

test('signing in before consent merges on the server once the shopper consents', async () => {
  const second = await uidOf(page);
  await visit(page, 3);
  await page.fill('[data-testid=sign-in-name]', 'Ada Lovelace');
  await page.click('[data-testid=sign-in]');
  await page.waitForFunction((u) => window.tailorSdk.uid === u, USER, { timeout: 15000 });
  assert.equal((await admin('GET', `/v1/profiles/${second}?profile=0&limit=1`)).json.canonical_uid, second, 'nothing sent yet');
  await page.click('[data-testid=consent-accept]');
  // Both tabs: the other tab re-fills its slots when the consent and the pulled profile reach
  // it, and each tab uploads the impressions it recorded itself (this tab only folds them in).
  await syncedBoth();
  for (let i = 0; i < 50 && (await admin('GET', `/v1/profiles/${second}?profile=0&limit=1`)).json.canonical_uid !== USER; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await admin('GET', `/v1/profiles/${second}?profile=0&limit=1`)).json.canonical_uid, USER);
  const remote = await serverEvents(USER);
  assert.equal(new Set(remote.map((e) => e.id)).size, remote.length, 'no event twice on the server');
  const local = await localEvents();
  for (const e of local) assert.ok(remote.some((r) => r.id === e.id), `${e.type} ${e.id} on the server`);
  // The pull after the merge brought the user's whole profile: both sides hold the same events.
  assert.deepEqual(remote.map((e) => e.id).sort(), local.map((e) => e.id).sort());
});

test('the pages reported no errors', () => {
  assert.deepEqual(browser.errors, []);
});
