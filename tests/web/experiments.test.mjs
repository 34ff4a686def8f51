// Experiments in the browser (web/sdk/experiments.mjs) in a real Chromium against a
// real tailor-sync: the browser's assignment equals @growthbook/growthbook's and the
// server's POST /v1/assign for the same shoppers (Unicode ids included); the page shows
// its variation before the first paint; the exposure is recorded once, with the id the
// server gives the same exposure; sticky buckets live in the core's cookie encoding,
// which Node (and so the edge worker) reads and writes too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrowthBook } from '@growthbook/growthbook';
import { TailorCore, stickyCookieDecode, stickyCookieEncode } from '../../build/wasm/pkg/index.mjs';
import { startDemo } from '../../examples/demo.mjs';
import { DEMO_FEATURES } from '../../examples/sync.mjs';
import { sdkResults } from '../oracles/experiment-gen.mjs';
import { launchChromium } from '../runtimes/chromium.mjs';
import { adminRequest } from './sync-admin.mjs';

const STICKY_LRU = JSON.parse(readFileSync(new URL('../vectors/sticky-lru.json', import.meta.url), 'utf8'));
const PROFILE_CONFIG = JSON.parse(readFileSync(new URL('../../examples/storefront/profile-config.json', import.meta.url), 'utf8'));
/** The demo's experiments plus rules that exercise hashing: v2 with a seed, coverage, namespaces, targeting. */
const FEATURES = {
  ...DEMO_FEATURES,
  'checkout-button': { defaultValue: 'blue', rules: [{ key: 'exp-checkout', variations: ['blue', 'green', 'orange'],
    weights: [0.2, 0.3, 0.5], hashVersion: 2, seed: 'checkout-2026', coverage: 0.8 }] },
  'layer-a': { defaultValue: 0, rules: [{ key: 'exp-layer-a', variations: [0, 1], namespace: ['layer1', 0, 0.5] }] },
  'layer-b': { defaultValue: 0, rules: [{ key: 'exp-layer-b', variations: [0, 1], namespace: ['layer1', 0.5, 1] }] },
  'members-banner': { defaultValue: false, rules: [{ condition: { id: { $regex: '^u-' } }, force: true }] },
};

let demo;
let browser;
let page;
let dbDir;
let core;
const warnings = [];

const admin = (method, path, body) => adminRequest(demo.sync, method, path, body);

const putFeatures = async (features) => {
  const r = await admin('PUT', '/v1/config', { profile: PROFILE_CONFIG, features });
  assert.equal(r.status, 201, r.text);
};
const sdk = (fn, arg) => page.evaluate(fn, arg);
const uid = () => sdk(() => window.tailorSdk.uid);
const localEvents = () => sdk(() => JSON.parse(window.tailorSdk.tailor.exportState()).events);
const stickyCookie = async () => (await browser.context.cookies()).find((c) => c.name === 'tailor_sb')?.value ?? '';
const sha = (text) => createHash('sha256').update(text).digest('hex');

// Feature elements: were they ever painted before the SDK applied them?
function watchFeatures() {
  window.__featureLog = [];
  const seen = new WeakSet();
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        for (const el of [n, ...n.querySelectorAll('[data-tailor-feature]')]) {
          if (!el.matches('[data-tailor-feature]') || seen.has(el)) continue;
          seen.add(el);
          const entry = { key: el.getAttribute('data-tailor-feature'),
            visibleUnapplied: !el.hasAttribute('data-tailor-state') && getComputedStyle(el).visibility !== 'hidden', stateAtFrame: null };
          window.__featureLog.push(entry);
          requestAnimationFrame(() => { entry.stateAtFrame = el.getAttribute('data-tailor-state'); });
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
}

async function reload() {
  await page.goto(`${demo.url}/#/`);
  await page.reload();
  await page.waitForSelector('html[data-ready=true]', { timeout: 60000 });
}

before(async () => {
  core = await TailorCore.load();
  dbDir = mkdtempSync(join(tmpdir(), 'tailor-exp-test-'));
  demo = await startDemo({ port: 0, db: join(dbDir, 'tailor-sync.db') });
  assert.ok(demo.sync, `tailor-sync must run for these tests: ${demo.syncError}`);
  await putFeatures(FEATURES);
  browser = await launchChromium();
  page = browser.page;
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.addInitScript(watchFeatures);
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  if (dbDir) rmSync(dbDir, { recursive: true, force: true });
});

test('the browser assigns every shopper as @growthbook/growthbook and POST /v1/assign do (Unicode ids too)', async () => {
  const ids = [
    ...Array.from({ length: 160 }, (_, i) => `a-${sha(`shopper ${i}`).slice(0, 16)}`),
    ...Array.from({ length: 20 }, (_, i) => `u-用户${i}`),
    ...Array.from({ length: 10 }, (_, i) => `😀 shopper ${i} 👩‍👩‍👧`),
    ...Array.from({ length: 10 }, (_, i) => `Zoe\u0301 ${i}`), // combining acute accent
  ];
  // In the page: the SDK's own module over the config it loaded, one fresh cookie per shopper.
  const inPage = await sdk(async ({ list, url, key }) => {
    const { Experiments } = await import('/sdk/experiments.mjs');
    const pkg = await import('/pkg/index.mjs');
    const config = await (await fetch(`${url}/v1/config`, { headers: { authorization: `Bearer ${key}` }, credentials: 'omit' })).text();
    const exp = new Experiments(pkg, window.tailorSdk.core, config);
    try {
      return list.map((id) => {
        exp.loadCookie('');
        const { features, exposures } = exp.evaluate({ attributes: { id } });
        // The exposure event ids the SDK records (the core's, in this page's wasm).
        return { features, exposures: exposures.map((x) => ({ ...x, eventId: exp.exposureEventId(x.dedupeKey) })) };
      });
    } finally {
      exp.close();
    }
  }, { list: ids, url: demo.sync.url, key: demo.sync.browserKey });
  const browserResults = inPage.map((r) => r.features);
  let inExperiment = 0;
  for (const [i, id] of ids.entries()) {
    const want = sdkResults(GrowthBook, { features: FEATURES, attributes: { id } });
    assert.deepEqual(browserResults[i], want, `shopper ${JSON.stringify(id)}`);
    inExperiment += Object.values(want).filter((f) => f.experimentResult?.inExperiment).length;
  }
  assert.ok(inExperiment > ids.length, `experiments are exercised (${inExperiment})`);
  // tailor-sync assigns the same (a sample, every kind of id), and records each exposure under
  // the event id the browser gives it: SHA-256 of the dedupe key, as Node's crypto computes it.
  let unicode = 0;
  for (const i of [0, 1, 2, 3, 50, 99, 160, 170, 180, 185, 190, 195]) {
    const r = await admin('POST', '/v1/assign', { uid: ids[i] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.features, browserResults[i], `server, shopper ${JSON.stringify(ids[i])}`);
    const server = r.json.exposures.map((x) => [x.feature, x.event_id]);
    const browser = inPage[i].exposures.map((x) => [x.featureId, x.eventId]);
    assert.deepEqual(browser, server, `exposure ids, shopper ${JSON.stringify(ids[i])}`);
    for (const x of inPage[i].exposures) assert.equal(x.eventId, `x-${sha(x.dedupeKey).slice(0, 32)}`, x.dedupeKey);
    if (i >= 160) unicode += server.length;
  }
  assert.ok(unicode > 0, `exposures of Unicode ids compared (${unicode})`);
});

test('the page shows its variation before the first paint and records one exposure', async () => {
  const id = await uid();
  const want = sdkResults(GrowthBook, { features: FEATURES, attributes: { id } });
  // (Once bucketed, later evaluations say stickyBucketUsed: the assignment comes from the cookie.)
  const unsticky = (all) => Object.fromEntries(Object.entries(all).map(([k, f]) => [k,
    f.experimentResult ? { ...f, experimentResult: { ...f.experimentResult, stickyBucketUsed: false } } : f]));
  assert.deepEqual(unsticky(await sdk(() => window.tailorSdk.features())), want, 'the SDK instance decides as GrowthBook');
  const hero = want['hero-layout'];
  assert.equal(hero.experimentResult.inExperiment, true);
  const headline = '[data-testid=hero-headline]';
  assert.equal(await page.getAttribute(headline, 'data-tailor-state'), 'applied');
  assert.equal(await page.getAttribute(headline, 'data-tailor-value'), hero.value);
  const shown = await page.$$eval(`${headline} > [data-tailor-variation]`, (els) => els.filter((e) => !e.hidden).map((e) => e.dataset.tailorVariation));
  assert.deepEqual(shown, [hero.value]);
  const log = await sdk(() => window.__featureLog);
  assert.ok(log.some((e) => e.key === 'hero-layout'));
  for (const e of log) {
    assert.equal(e.visibleUnapplied, false, `${e.key} was visible before it was applied`);
    assert.equal(e.stateAtFrame, 'applied', `${e.key} was applied before the first frame`);
  }
  // One exposure, with the id tailor-sync gives the same exposure (the core's dedupe key).
  const dedupeKey = `id${id}exp-hero-layout${hero.experimentResult.variationId}`;
  const expected = `x-${sha(dedupeKey).slice(0, 32)}`;
  const exposures = async () => (await localEvents()).filter((e) => e.type === 'exposure');
  await page.waitForFunction(() => JSON.parse(window.tailorSdk.tailor.exportState()).events.some((e) => e.type === 'exposure'));
  assert.deepEqual((await exposures()).map((e) => [e.id, e.experiment, e.variation]), [[expected, 'exp-hero-layout', hero.experimentResult.key]]);
  assert.equal((await sdk(() => window.tailorSdk.profile())).experiments['exp-hero-layout'].variation, hero.experimentResult.key);
  // Features read elsewhere (the panel lists them all) record nothing; a reload records nothing new.
  await reload();
  await page.waitForTimeout(300);
  assert.equal((await exposures()).length, 1, 'deduplicated across page loads');
  assert.equal(await sdk(() => window.tailorSdk.status().experiments.from), 'revalidated', 'the config is ETag-cached');
  // After consent the exposure reaches tailor-sync, and the server's own assignment of this
  // shopper finds it already recorded: one exposure, whichever side saw it first.
  await page.click('[data-testid=consent-accept]');
  await page.waitForFunction(() => { const s = window.tailorSdk.status(); return s.syncAllowed && s.pending === 0 && s.sync.acked > 0; }, null, { timeout: 30000 });
  const token = await demo.sync.token(id);
  const res = await fetch(`${demo.sync.url}/v1/assign`, {
    method: 'POST', body: JSON.stringify({ uid: id }),
    headers: { authorization: `Bearer ${demo.sync.browserKey}`, 'x-tailor-token': token, 'content-type': 'application/json' },
  });
  const server = await res.json();
  assert.equal(res.status, 200, JSON.stringify(server));
  assert.deepEqual(server.features, want);
  const x = server.exposures.find((e) => e.feature === 'hero-layout');
  assert.deepEqual([x.event_id, x.recorded], [expected, 'already']);
});

test('sticky buckets: the core\'s cookie keeps the variation when weights change, and Node reads and writes it', async () => {
  const id = await uid();
  const hero = (await sdk(() => window.tailorSdk.feature('hero-layout')));
  const v = hero.experimentResult.variationId;
  // With sync consent (the default policy) the cookie is set: the core's encoding, readable in Node.
  const cookie = await stickyCookie();
  assert.match(cookie, /^s1\..+~[0-9a-f]{8}$/);
  assert.equal((await browser.context.cookies()).find((c) => c.name === 'tailor_uid')?.value, id, 'the uid the edge reads');
  const docs = stickyCookieDecode(core, cookie).stickyBucketAssignmentDocs;
  assert.equal(docs[`id||${id}`].assignments['exp-hero-layout__0'], hero.experimentResult.key);
  // New weights send every new shopper to the other variation; this shopper stays.
  const flipped = structuredClone(FEATURES);
  flipped['hero-layout'].rules[0].weights = v === 0 ? [0, 1] : [1, 0];
  await putFeatures(flipped);
  await reload();
  const kept = await sdk(() => window.tailorSdk.feature('hero-layout'));
  assert.equal((await sdk(() => window.tailorSdk.status().experiments.from)), 'network', 'the new config (new ETag)');
  assert.deepEqual([kept.experimentResult.variationId, kept.experimentResult.stickyBucketUsed], [v, true]);
  const fresh = sdkResults(GrowthBook, { features: flipped, attributes: { id } })['hero-layout'];
  assert.equal(fresh.experimentResult.variationId, 1 - v, 'without the cookie GrowthBook would switch');
  // A cookie written elsewhere (Node, as the edge worker does) is what the page follows.
  const other = ['classic', 'personal'][1 - v];
  const edge = stickyCookieEncode(core, { [`id||${id}`]: { attributeName: 'id', attributeValue: id, assignments: { 'exp-hero-layout__0': other } } });
  const url = new URL(demo.url);
  await browser.context.addCookies([{ name: 'tailor_sb', value: edge, domain: url.hostname, path: '/' }]);
  await reload();
  assert.equal(await page.getAttribute('[data-testid=hero-headline]', 'data-tailor-value'), other);
  // A tampered cookie is refused (a warning), the device's copy is used and the cookie rewritten.
  const bad = `${edge.slice(0, -9)}~00000000`;
  await browser.context.addCookies([{ name: 'tailor_sb', value: bad, domain: url.hostname, path: '/' }]);
  warnings.length = 0;
  await reload();
  assert.ok(warnings.some((w) => /tailor: experiments: the tailor_sb cookie was refused \(invalid_state/.test(w)), warnings.join('\n'));
  assert.equal(await page.getAttribute('[data-testid=hero-headline]', 'data-tailor-state'), 'applied');
  const rewritten = await stickyCookie();
  assert.notEqual(rewritten, bad);
  assert.ok(stickyCookieDecode(core, rewritten).stickyBucketAssignmentDocs[`id||${id}`]);
  await putFeatures(FEATURES);
});

test('sticky buckets: the SDK writes the cookie bytes the core writes natively and the edge in workerd (tests/vectors/sticky-lru.json)', async () => {
  // Each new set of definitions is a new page: the SDK reads the cookie the previous page wrote.
  const got = await sdk(async (v) => {
    const { Experiments } = await import('/sdk/experiments.mjs');
    const pkg = await import('/pkg/index.mjs');
    const out = [];
    let exp = null;
    let loaded = null;
    let cookie = '';
    try {
      for (const step of v.steps) {
        if (step.definitions !== loaded) {
          exp?.close();
          exp = new Experiments(pkg, window.tailorSdk.core, v.definitions[step.definitions]);
          loaded = step.definitions;
          const err = exp.loadCookie(cookie);
          if (err) throw err;
        }
        const r = exp.evaluate({ attributes: { id: v.uid, path: step.path } });
        cookie = exp.cookieValue();
        out.push({ hero: r.features.hero.value, changed: r.changed, cookie });
      }
    } finally {
      exp?.close();
    }
    return out;
  }, STICKY_LRU);
  let previous = '';
  for (const [i, step] of STICKY_LRU.steps.entries()) {
    assert.deepEqual(got[i], { hero: step.hero, changed: step.cookie !== previous, cookie: step.cookie }, `step ${i + 1}`);
    previous = step.cookie;
  }
});

test('withdrawing consent removes the cookie; the device keeps the buckets', async () => {
  const before = await sdk(() => window.tailorSdk.feature('hero-layout').value);
  await page.click('[data-testid=consent-withdraw]');
  await page.waitForFunction(() => !window.tailorSdk.status().syncAllowed);
  assert.equal(await stickyCookie(), '');
  assert.ok(!(await browser.context.cookies()).some((c) => c.name === 'tailor_uid'));
  await reload();
  assert.equal(await sdk(() => window.tailorSdk.feature('hero-layout').value), before);
  assert.equal(await stickyCookie(), '', 'not written again without consent');
});

test('a feature can choose a slot\'s recommender configuration; an unknown feature shows the first variation', async () => {
  // Every shopper in the "similar" arm: the home slot element asks the core for the similar slot's decision.
  await putFeatures({ ...FEATURES, 'home-recs': { defaultValue: 'home', rules: [{ key: 'exp-home-recs', variations: ['home', 'similar'], weights: [0, 1] }] } });
  await reload();
  const anchor = await sdk(() => window.tailorSdk.recommend('home', { size: 1 }).items[0].id);
  await sdk((item) => {
    const slot = document.createElement('div');
    slot.id = 'variant-slot';
    slot.setAttribute('data-tailor-slot', 'home');
    slot.setAttribute('data-tailor-feature', 'home-recs');
    slot.setAttribute('data-tailor-size', '4');
    slot.setAttribute('data-tailor-context', item);
    const flag = document.createElement('p');
    flag.id = 'unknown-flag';
    flag.setAttribute('data-tailor-feature', 'not-in-the-config');
    flag.innerHTML = '<span data-tailor-variation="a">A</span><span data-tailor-variation="b">B</span>';
    document.querySelector('#view').append(slot, flag);
  }, anchor);
  await page.waitForSelector('#variant-slot[data-tailor-state=filled]');
  const shown = await page.$$eval('#variant-slot [data-testid=product-card]', (els) => els.map((e) => e.dataset.item));
  const decide = (slot) => sdk(([s, a]) => window.tailorSdk.recommend(s, { size: 4, context: [a] }).items.map((i) => i.id), [slot, anchor]);
  const similar = await decide('similar');
  assert.deepEqual(shown, similar, 'the similar configuration\'s decision');
  assert.notDeepEqual(await decide('home'), similar, 'not the slot\'s own decision');
  await page.waitForFunction(() => JSON.parse(window.tailorSdk.tailor.exportState()).events
    .some((e) => e.type === 'exposure' && e.experiment === 'exp-home-recs' && e.variation === '1'));
  assert.equal(await page.getAttribute('#unknown-flag', 'data-tailor-state'), 'default');
  assert.deepEqual(await page.$$eval('#unknown-flag > span', (els) => els.map((e) => e.hidden)), [false, true]);
  await putFeatures(FEATURES);
});

test('the page reported no errors', () => {
  assert.deepEqual(browser.errors, []);
});
