// POST /v1/assign and GET /v1/experiments/{key}/results on both back ends:
// the server's assignment equals @growthbook/growthbook's and the wasm
// core's for the same attributes (sticky bucketing included), exposures are recorded once, and
// results aggregate them with the core's analysis.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GrowthBook, StickyBucketServiceSync } from '@growthbook/growthbook';
import { TailorCore, evalAll } from '../../build/wasm/pkg/index.mjs';
import { ADMIN_KEY, startServer, startPostgres, call, tempDir, allEvents } from './harness.mjs';

const core = await TailorCore.load();

// Limits named in server/src/experiments.hpp.
const MAX_ASSIGN_FEATURES = 256;
const MAX_ATTRIBUTES = 64;

const savedGroups = { vip: ['u-3', 'u-7', 'u-11'] };
const features = (checkoutWeights = [0.5, 0.25, 0.25]) => ({
  checkout: { defaultValue: 'a', rules: [{ key: 'exp-checkout', variations: ['a', 'b', 'c'], weights: checkoutWeights,
    coverage: 0.9, hashVersion: 2, seed: 'chk', meta: [{ key: 'control' }, { key: 'fast' }, { key: 'faster' }] }] },
  banner: { defaultValue: false, rules: [{ condition: { country: { $in: ['DE', 'FR'] } }, force: true }] },
  price: { defaultValue: 'regular', rules: [{ force: 'low', coverage: 0.5, hashAttribute: 'id' }] },
  layout: { defaultValue: 'grid', rules: [{ key: 'exp-layout', variations: ['grid', 'list'], hashAttribute: 'deviceId',
    fallbackAttribute: 'id', bucketVersion: 1 }] },
  gated: { defaultValue: 'no', rules: [{ condition: { id: { $inGroup: 'vip' } }, force: 'yes' }] },
  ns: { defaultValue: 0, rules: [{ key: 'exp-ns', variations: [0, 1], namespace: ['n1', 0, 0.5] }] },
});

// GrowthBook's own sticky bucketing, in memory: the SDK's side of the comparison.
class MemorySticky extends StickyBucketServiceSync {
  constructor() { super(); this.docs = new Map(); }
  getAssignmentsSync(name, value) { return this.docs.get(this.getKey(name, value)) ?? null; }
  saveAssignmentsSync(doc) { this.docs.set(this.getKey(doc.attributeName, doc.attributeValue), doc); }
}

function sdkEval(defs, attributes, sticky) {
  const out = {};
  for (const key of Object.keys(defs.features)) {
    const gb = new GrowthBook({ attributes, features: defs.features, savedGroups: defs.savedGroups, stickyBucketService: sticky,
      stickyBucketAssignmentDocs: sticky.getAllAssignmentsSync(attributes) });
    out[key] = JSON.parse(JSON.stringify(gb.evalFeature(key)));
    gb.destroy();
  }
  return out;
}

for (const backend of ['sqlite', 'postgres']) {
  describe(`assign and results on ${backend}`, () => {
    let pg;
    let dir;
    let srv;
    let base;
    let browserKey;
    const assign = (body, opts = { key: ADMIN_KEY }) => call(base, 'POST', '/v1/assign', { ...opts, body });
    const putConfig = (cfg) => call(base, 'PUT', '/v1/config', { key: ADMIN_KEY, body: cfg });
    const token = async (uid) => (await call(base, 'POST', '/v1/tokens', { key: ADMIN_KEY, body: { uid } })).json.token;

    before(async () => {
      let db;
      if (backend === 'postgres') {
        pg = await startPostgres();
        db = pg.createDatabase();
      } else {
        dir = tempDir();
        db = join(dir, 'tailor.db');
      }
      srv = await startServer({ db, args: ['--rate-ip', '0'] });
      base = srv.url;
      browserKey = (await call(base, 'POST', '/v1/keys', { key: ADMIN_KEY, body: { name: 'web', scope: 'browser' } })).json.key;
    });
    after(async () => {
      await srv?.stop();
      pg?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('without a config every requested feature is unknown', async () => {
      const r = await assign({ uid: 'early', features: ['checkout'] });
      assert.equal(r.status, 200, String(r.body));
      assert.deepEqual(r.json.features, { checkout: { value: null, on: false, off: true, source: 'unknownFeature', ruleId: '' } });
      assert.deepEqual([r.json.config_version, r.json.exposures], [0, []]);
    });

    test('every feature equals @growthbook/growthbook for the same attributes, sticky buckets included', async () => {
      const defs = { features: features(), savedGroups };
      const put = await putConfig({ profile: {}, ...defs });
      assert.equal(put.status, 201, String(put.body));
      const sticky = new MemorySticky();
      const shoppers = Array.from({ length: 40 }, (_, i) => ({
        uid: `u-${i}`, attributes: { country: ['DE', 'US', 'FR', 'GB'][i % 4], ...(i % 3 ? { deviceId: `d-${i}` } : {}) } }));
      let inExperiment = 0;
      for (const s of shoppers) {
        const r = await assign({ uid: s.uid, attributes: s.attributes });
        assert.equal(r.status, 200, String(r.body));
        const attributes = { id: s.uid, ...s.attributes };
        const docs = structuredClone(sticky.getAllAssignmentsSync(attributes));
        const expected = sdkEval(defs, attributes, sticky);
        assert.deepEqual(r.json.features, expected, s.uid);
        // The same core compiled to wasm, given the docs the SDK had.
        assert.deepEqual(r.json.features, evalAll(core, { attributes, ...defs, stickyBucketAssignmentDocs: docs }).features, s.uid);
        inExperiment += r.json.features.checkout.experimentResult?.inExperiment ? 1 : 0;
      }
      assert.ok(inExperiment > 20 && inExperiment < 40, `${inExperiment} of 40 in exp-checkout`);
      // New weights send everyone new to "faster"; sticky shoppers keep their variation, as in the SDK.
      const changed = { features: features([0, 0, 1]), savedGroups };
      assert.equal((await putConfig({ profile: {}, ...changed })).status, 201);
      let kept = 0;
      for (const s of shoppers.slice(0, 12)) {
        const r = await assign({ uid: s.uid, attributes: s.attributes });
        const attributes = { id: s.uid, ...s.attributes };
        const docs = structuredClone(sticky.getAllAssignmentsSync(attributes));
        const expected = sdkEval(changed, attributes, sticky);
        assert.deepEqual(r.json.features, expected, s.uid);
        assert.deepEqual(r.json.features, evalAll(core, { attributes, ...changed, stickyBucketAssignmentDocs: docs }).features, s.uid);
        if (r.json.features.checkout.experimentResult?.stickyBucketUsed && r.json.features.checkout.value !== 'c') kept += 1;
      }
      assert.ok(kept > 0, 'some shoppers kept a sticky variation other than the new weights give');
      const fresh = await assign({ uid: 'newcomer-1', features: ['checkout'] });
      assert.deepEqual(fresh.json.features, { checkout: sdkEval(changed, { id: 'newcomer-1' }, new MemorySticky()).checkout });
    });

    test('exposures are recorded once per shopper and experiment, and only for requested features', async () => {
      const first = await assign({ uid: 'ex-1', attributes: { deviceId: 'dev-ex-1' }, features: ['layout', 'banner', 'missing'] });
      assert.equal(first.status, 200);
      assert.deepEqual(Object.keys(first.json.features).sort(), ['banner', 'layout', 'missing']);
      assert.equal(first.json.features.missing.source, 'unknownFeature');
      assert.equal(first.json.tracking, 'on');
      assert.deepEqual(first.json.exposures.map((x) => [x.experiment, x.feature, x.recorded]), [['exp-layout', 'layout', 'new']]);
      assert.equal(first.json.exposures[0].variation, String(first.json.features.layout.experimentResult.key));
      const again = await assign({ uid: 'ex-1', attributes: { deviceId: 'dev-ex-1' }, features: ['layout'] });
      assert.deepEqual(again.json.exposures.map((x) => x.recorded), ['already']);
      const stored = (await allEvents(base, 'ex-1')).filter((e) => e.type === 'exposure');
      assert.deepEqual(stored.map((e) => [e.id, e.experiment, e.variation]),
        [[first.json.exposures[0].event_id, 'exp-layout', first.json.exposures[0].variation]]);
      const all = await assign({ uid: 'ex-1', attributes: { deviceId: 'dev-ex-1' } });
      assert.ok(all.json.exposures.some((x) => x.experiment === 'exp-layout' && x.recorded === 'already'));
    });

    test('a withdrawn analytics consent records no exposure', async () => {
      await call(base, 'POST', '/v1/events', { key: ADMIN_KEY, body: [{ id: 'c1', type: 'consent', ts: 1700000000000, uid: 'quiet',
        analytics: false, personalization: true, marketing: false }] });
      const r = await assign({ uid: 'quiet', attributes: { deviceId: 'q' }, features: ['layout'] });
      assert.equal(r.json.tracking, 'no_consent');
      assert.deepEqual(r.json.exposures.map((x) => x.recorded), ['not_recorded']);
      assert.deepEqual((await allEvents(base, 'quiet')).map((e) => e.type), ['consent']);
    });

    test('a browser key assigns only the uid its token covers', async () => {
      const t = await token('shopper-x');
      const own = await assign({ uid: 'shopper-x', features: ['checkout'] }, { key: browserKey, token: t });
      assert.equal(own.status, 200);
      const other = await assign({ uid: 'shopper-y', features: ['checkout'] }, { key: browserKey, token: t });
      assert.deepEqual([other.status, other.json.error.code], [403, 'forbidden']);
      const spoof = await assign({ uid: 'shopper-x', attributes: { id: 'shopper-y' } }, { key: browserKey, token: t });
      assert.deepEqual([spoof.status, spoof.json.error.where], [403, 'attributes.id']);
      const noToken = await assign({ uid: 'shopper-x' }, { key: browserKey });
      assert.equal(noToken.status, 403);
      assert.equal((await allEvents(base, 'shopper-y')).length, 0);
    });

    test('bad requests name the field; limits pass at N and fail at N+1', async () => {
      const keys = (n) => Array.from({ length: n }, (_, i) => `k${i}`);
      const ok = await assign({ uid: 'lim', features: keys(MAX_ASSIGN_FEATURES) });
      assert.equal(ok.status, 200);
      assert.equal(Object.keys(ok.json.features).length, MAX_ASSIGN_FEATURES);
      const over = await assign({ uid: 'lim', features: keys(MAX_ASSIGN_FEATURES + 1) });
      assert.deepEqual([over.status, over.json.error.code, over.json.error.where], [413, 'limit_exceeded', 'features']);
      const attrs = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, i]));
      assert.equal((await assign({ uid: 'lim', attributes: attrs(MAX_ATTRIBUTES) })).status, 200);
      const many = await assign({ uid: 'lim', attributes: attrs(MAX_ATTRIBUTES + 1) });
      assert.deepEqual([many.status, many.json.error.where], [413, 'attributes']);
      for (const [body, where] of [[{}, 'uid'], [{ uid: '' }, 'uid'], [{ uid: 'x', attributes: [] }, 'attributes'],
        [{ uid: 'x', features: 'checkout' }, 'features'], [{ uid: 'x', features: [1] }, 'features[0]'],
        [{ uid: 'x', extra: 1 }, 'extra'], [{ uid: 'a\u0001b' }, 'uid']]) {
        const r = await assign(body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.json.error.where, where, JSON.stringify(body));
      }
      assert.equal((await call(base, 'GET', '/v1/assign', { key: ADMIN_KEY })).status, 405);
      assert.equal((await assign('{"uid":')).status, 400);
      const bad = await putConfig({ features: ['not', 'an', 'object'] });
      assert.deepEqual([bad.status, bad.json.error.where], [400, 'features']);
    });

    test('an erased shopper is not assigned and their sticky buckets are gone', async () => {
      await assign({ uid: 'gone', features: ['checkout'] });
      assert.equal((await call(base, 'DELETE', '/v1/profiles/gone', { key: ADMIN_KEY })).status, 200);
      const r = await assign({ uid: 'gone', features: ['checkout'] });
      assert.deepEqual([r.status, r.json.error.code], [410, 'erased']);
    });

    test('results: exposed, converted, revenue per variation and the core analysis', async () => {
      const cfg = { features: { hero: { defaultValue: 'a', rules: [{ key: 'exp-hero', variations: ['a', 'b'], weights: [0.5, 0.5] }] } } };
      assert.equal((await putConfig(cfg)).status, 201);
      const ex = (id, uid, variation, ts) => ({ id, type: 'exposure', ts, uid, experiment: 'exp-hero', variation });
      const buy = (id, uid, ts, price, currency = 'EUR', quantity = 1) =>
        ({ id, type: 'purchase', ts, uid, currency, items: [{ item_id: 'a', price, quantity }] });
      const r0 = await call(base, 'POST', '/v1/events', { key: ADMIN_KEY, body: [
        ex('h1', 'r-1', '0', 100), ex('h2', 'r-2', '0', 100), ex('h3', 'r-3', '1', 100), ex('h4', 'r-4', '1', 100),
        ex('h5', 'r-1', '1', 200), // a later exposure does not move r-1
        buy('q1', 'r-1', 150, 10, 'EUR', 2), buy('q2', 'r-1', 160, 5), buy('q3', 'r-2', 50, 99), // q3: before exposure
        buy('q4', 'r-3', 300, 7.5), buy('q5', 'r-4', 300, 30, 'GBP')] });
      assert.equal(r0.json.accepted, 10, String(r0.body));
      const r = await call(base, 'GET', '/v1/experiments/exp-hero/results', { key: ADMIN_KEY });
      assert.equal(r.status, 200, String(r.body));
      assert.equal(r.json.currency, 'EUR');
      assert.equal(r.json.control, '0');
      assert.deepEqual(r.json.variations, [
        { variation: '0', exposed: 2, converted: 1, purchases: 2, revenue: 25 },
        { variation: '1', exposed: 2, converted: 2, purchases: 2, revenue: 7.5 }]);
      const [c, b] = r.json.analysis.arms;
      assert.deepEqual([c.conversion_rate, b.conversion_rate, c.revenue_per_visitor, b.revenue_per_visitor], [0.5, 1, 12.5, 3.75]);
      assert.ok(Math.abs(b.uplift - 1) < 1e-12);
      assert.ok(Math.abs(b.rpv_uplift + 0.7) < 1e-12);
      assert.deepEqual(r.json.analysis.srm, { chi2: 0, p_value: 1, detected: false });
      const gbp = await call(base, 'GET', '/v1/experiments/exp-hero/results?currency=GBP&sequential=1', { key: ADMIN_KEY });
      assert.deepEqual(gbp.json.variations.map((v) => v.revenue), [0, 30]);
      assert.equal(gbp.json.analysis.sequential, true);
      const none = await call(base, 'GET', '/v1/experiments/never-ran/results', { key: ADMIN_KEY });
      assert.deepEqual([none.status, none.json.variations, none.json.analysis], [200, [], null]);
      for (const q of ['currency=eur', 'currency=EURO', 'sequential=yes']) {
        const bad = await call(base, 'GET', `/v1/experiments/exp-hero/results?${q}`, { key: ADMIN_KEY });
        assert.equal(bad.status, 400, q);
      }
      const t = await token('r-1');
      const browser = await call(base, 'GET', '/v1/experiments/exp-hero/results', { key: browserKey, token: t });
      assert.equal(browser.status, 403);
    });
  });
}
