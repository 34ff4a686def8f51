// The demo storefront in Chromium, storefront-only (no tailor-sync, as when the
// server cannot be built): the page loads the wasm core through the SDK, tracks
// what the visitor does, and the profile panel shows what the core computed.
// tests/web/sdk.test.mjs runs the same page against a real tailor-sync.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from '../../examples/demo.mjs';
import { launchChromium } from '../runtimes/chromium.mjs';

let server;
let browser;
let page;

const counted = async () => Number(await page.textContent('[data-testid=events-counted]'));
const profileJson = async () => JSON.parse(await page.textContent('[data-testid=profile-json]'));
const affinityKeys = (kind) => page.$$eval(`[data-testid=affinity-${kind}] .aff`, (rows) => rows.map((r) => r.dataset.key));

before(async () => {
  server = await startDemo({ port: 0, sync: false });
  browser = await launchChromium();
  page = browser.page;
  await page.goto(`${server.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 30000 });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the storefront renders the catalog and starts an empty profile', async () => {
  assert.ok((await page.$$('[data-testid=product-card]')).length >= 8, 'bestsellers grid');
  assert.ok((await page.$$('[data-testid=departments] a')).length >= 5);
  assert.match(await page.textContent('[data-testid=core-version]'), /Core 0\.1\.0/);
  const p = await profileJson();
  assert.equal(p.personalized, true);
  assert.deepEqual(Object.keys(p.events.by_type), ['impression'], 'only the home page impressions so far');
  assert.match(await page.textContent('[data-testid=sync-status]'), /^Storefront only: turned off/);
  // Recommendations come from the bundle file the demo built.
  assert.equal(await page.getAttribute('[data-testid=slot-home]', 'data-tailor-state'), 'filled');
  assert.equal((await page.$$('[data-testid=slot-home] [data-testid=reasons]')).length, 8);
});

test('browsing a department, clicking a product and adding it to the basket update the panel', async () => {
  const before = await counted();
  await page.click('[data-testid=departments] a:has-text("Fashion")');
  await page.waitForSelector('[data-testid=grid-category-grid] [data-testid=product-card]');
  await page.click('[data-testid=grid-category-grid] [data-testid=product-card] >> nth=0 >> [data-testid=product-link]');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.click('[data-testid=add-to-cart]');
  await page.waitForFunction(() => document.querySelector('[data-testid=cart-count]').textContent === '1');
  const p = await profileJson();
  assert.ok(await counted() >= before + 4, 'impression, click, view, add_to_cart');
  assert.equal(p.events.by_type.click, 1);
  assert.equal(p.events.by_type.view, 1);
  assert.equal(p.events.by_type.add_to_cart, 1);
  assert.equal(p.cart.length, 1);
  assert.ok((await affinityKeys('category')).includes('Fashion'));
  assert.ok((await affinityKeys('brand')).length >= 1);
  assert.match(await page.textContent('[data-testid=intent-score]'), /^\d+%$/);
  // The panel shows what the core says: every affinity row is in the profile JSON.
  for (const key of await affinityKeys('category')) assert.ok(p.affinities.category.some((a) => a.key === key));
});

test('segments come from the config rules; a segment can be deleted', async () => {
  // click 2 + view 1 + add_to_cart 5 on a Fashion item: over the "Fashion fan" threshold of 3.
  assert.ok(await page.$('[data-testid=segments] [data-segment=fashion-fan]'), 'in the Fashion fan segment');
  assert.ok((await profileJson()).segments.some((x) => x.id === 'fashion-fan'));
  await page.click('[data-testid=delete-tag][data-kind=segment][data-key=fashion-fan]');
  await page.waitForSelector('[data-testid=suppressed]');
  assert.equal(await page.$('[data-testid=segments] [data-segment=fashion-fan]'), null);
  assert.match(await page.textContent('[data-testid=suppressed]'), /segment: fashion-fan/);
});

test('a delete button removes the tag from the profile for good', async () => {
  await page.click('[data-testid=delete-tag][data-kind=category][data-key="Fashion"]');
  await page.waitForSelector('[data-testid=suppressed]');
  assert.ok(!(await affinityKeys('category')).includes('Fashion'));
  assert.match(await page.textContent('[data-testid=suppressed]'), /category: Fashion/);
  const p = await profileJson();
  assert.ok(p.suppressed.some((s) => s.kind === 'category' && s.key === 'Fashion'));
  // More Fashion views do not bring it back.
  await page.click('[data-testid=departments] a:has-text("Fashion")');
  await page.waitForSelector('[data-testid=grid-category-grid]');
  assert.ok(!(await affinityKeys('category')).includes('Fashion'));
});

test('the switch turns personalization off and on', async () => {
  await page.uncheck('[data-testid=personalized-switch]');
  await page.waitForSelector('[data-testid=not-personalized]');
  assert.equal((await profileJson()).personalized, false);
  assert.equal((await page.$$('[data-testid=affinity-brand]')).length, 0);
  await page.check('[data-testid=personalized-switch]');
  await page.waitForSelector('[data-testid=affinity-brand]');
  assert.equal((await profileJson()).personalized, true);
});

test('search and checkout are tracked; the profile survives a reload', async () => {
  await page.fill('[data-testid=search-input]', 'mug');
  await page.press('[data-testid=search-input]', 'Enter');
  await page.waitForSelector('[data-testid=result-count]');
  assert.match(await page.textContent('[data-testid=result-count]'), /^[1-9]\d* products$/);
  await page.click('[data-testid=cart-link]');
  await page.click('[data-testid=checkout]');
  await page.waitForSelector('[data-testid=order-confirmed]');
  assert.equal(await page.textContent('[data-testid=cart-count]'), '0');
  const p = await profileJson();
  assert.equal(p.events.by_type.search, 1);
  assert.equal(p.events.by_type.purchase, 1);
  assert.equal(p.rfm.frequency, 1);
  const total = p.events.total;
  await page.reload();
  await page.waitForSelector('html[data-ready=true]');
  const again = await profileJson();
  assert.ok(again.events.total >= total, 'events kept across the reload');
  assert.ok(again.suppressed.some((s) => s.key === 'Fashion'), 'deletions kept across the reload');
});

test('the page reported no errors', () => {
  assert.deepEqual(browser.errors, []);
});
