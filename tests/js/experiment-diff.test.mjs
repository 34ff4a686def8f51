// The wasm experiment API against the live GrowthBook SDK: a fresh seeded
// batch of contexts (TAILOR_SEED overrides the seed), every feature compared
// result-for-result, plus cases.json through the JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { GrowthBook } from '@growthbook/growthbook';
import { TailorCore, TailorError, assign, evalAll, evalAutoExperiments, gbHash, gbDecrypt,
  stickyCookieDecode, stickyCookieEncode, analyzeExperiment, banditWeights, GrowthBookDefinitions, exposureEventId }
  from '../../build/wasm/pkg/index.mjs';
import * as pkg from '../../build/wasm/pkg/index.mjs';
import { Experiments } from '../../web/sdk/experiments.mjs';
import { generateContexts, sdkResults } from '../oracles/experiment-gen.mjs';

const core = await TailorCore.load();
const seed = Number(process.env.TAILOR_SEED ?? 31337);
const contexts = 8000;
const cases = JSON.parse(await readFile(new URL('../vectors/growthbook/cases.json', import.meta.url), 'utf8'));

test(`evalAll agrees with @growthbook/growthbook (seed ${seed}, ${contexts} contexts)`, () => {
  let evaluations = 0;
  let inExperiment = 0;
  const mismatches = [];
  for (const ctx of generateContexts(seed, contexts)) {
    const want = sdkResults(GrowthBook, ctx);
    const got = evalAll(core, ctx).features;
    for (const [key, w] of Object.entries(want)) {
      evaluations++;
      if (w.experimentResult?.inExperiment) inExperiment++;
      if (!isDeepStrictEqual(got[key], w)) mismatches.push({ ctx, key, want: w, got: got[key] });
    }
  }
  assert.deepEqual(mismatches.slice(0, 3), [], `seed ${seed}: ${mismatches.length} of ${evaluations} differ`);
  assert.ok(evaluations > 15000, `tens of thousands of evaluations (${evaluations})`);
  assert.ok(inExperiment > evaluations / 10, `experiments are exercised (${inExperiment})`);
});

test('cases.json feature, run, stickyBucket-free sections through the JS API', () => {
  for (const [name, ctx, key, expected] of cases.feature) {
    assert.deepEqual(assign(core, ctx, key).result, expected, name);
  }
  for (const [name, ctx, exp, value, inExp, hashUsed] of cases.run) {
    const { result } = assign(core, ctx, exp);
    assert.deepEqual([result.value, result.inExperiment, result.hashUsed], [value, inExp, hashUsed], name);
  }
  for (const [name, ctx, expected] of cases.urlRedirect) {
    const out = evalAutoExperiments(core, ctx);
    const calls = out.tracked.map((t) => ({ inExperiment: t.result.inExperiment,
      urlRedirect: t.result.value.urlRedirect, urlWithParams: out.redirectUrl }));
    assert.deepEqual(calls, expected, name);
  }
  for (const [s, v, version, expected] of cases.hash) assert.equal(gbHash(core, s, v, version), expected);
  for (const [name, payload, key, expected] of cases.decrypt) {
    if (expected === null) assert.throws(() => gbDecrypt(core, payload, key), TailorError, name);
    else assert.equal(gbDecrypt(core, payload, key), expected, name);
  }
});

test('UTF-16 hashing by default, UTF-8 on request', () => {
  assert.equal(gbHash(core, '', '用户123', 1), 0.784);
  assert.equal(gbHash(core, '', '用户123', 1, 'utf8'), 0.455);
  assert.throws(() => gbHash(core, '', 'x', 1, 'latin1'), (e) => e.code === 'invalid_field');
});

test('bad contexts are TailorErrors, hostile ones answer', () => {
  assert.throws(() => evalAll(core, '{'), (e) => e instanceof TailorError && e.code === 'invalid_json');
  assert.throws(() => evalAll(core, { features: [] }), (e) => e.where === 'features');
  const hostile = { attributes: { id: 'a'.repeat(5000) + '!' }, features: { f: { defaultValue: 0, rules: [
    { condition: { id: { $regex: '(a+)+$' } }, force: 1 }, { variations: [1, 2], weights: [5, 5], coverage: -3 }] } } };
  assert.equal(evalAll(core, hostile).features.f.value, 0);
});

test('sticky bucketing through a cookie keeps the assignment across page loads', () => {
  const features = { f: { defaultValue: 'x', rules: [{ key: 'exp', variations: ['a', 'b', 'c'],
    meta: [{ key: '0' }, { key: '1' }, { key: '2' }] }] } };
  const first = evalAll(core, { attributes: { id: 'u1' }, features, stickyBucketAssignmentDocs: {} });
  const cookie = stickyCookieEncode(core, first.stickyBucketAssignmentDocs);
  assert.ok(cookie.length <= 1024);
  const { stickyBucketAssignmentDocs } = stickyCookieDecode(core, cookie);
  // Weights change; the sticky assignment wins.
  const changed = { f: { ...features.f, rules: [{ ...features.f.rules[0], weights: [0, 0, 1] }] } };
  const second = evalAll(core, { attributes: { id: 'u1' }, features: changed, stickyBucketAssignmentDocs });
  assert.equal(second.features.f.value, first.features.f.value);
  assert.equal(second.features.f.experimentResult.stickyBucketUsed, true);
  assert.throws(() => stickyCookieDecode(core, cookie.slice(0, -1) + (cookie.endsWith('0') ? '1' : '0')),
    (e) => e.code === 'invalid_state');
});

test('sticky-lru.json: the page views write the cookie bytes the core writes natively (wasm API and the SDK module)', async () => {
  const v = JSON.parse(await readFile(new URL('../vectors/sticky-lru.json', import.meta.url), 'utf8'));
  // Stateless, as the edge worker does: the cookie decoded into the context, the result encoded.
  let cookie = '';
  for (const [i, step] of v.steps.entries()) {
    const { stickyBucketAssignmentDocs = {}, order = [] } = cookie ? stickyCookieDecode(core, cookie) : {};
    const out = evalAll(core, { ...v.definitions[step.definitions], attributes: { id: v.uid, path: step.path },
      stickyBucketAssignmentDocs, stickyBucketOrder: order });
    assert.equal(out.features.hero.value, step.hero, `step ${i + 1}`);
    cookie = stickyCookieEncode(core, out.stickyBucketAssignmentDocs, out.stickyBucketOrder);
    assert.equal(cookie, step.cookie, `step ${i + 1}`);
  }
  // The browser SDK's module: state in memory while the definitions stay, the cookie across them.
  let exp = null;
  let loaded = null;
  let previous = '';
  try {
    for (const [i, step] of v.steps.entries()) {
      if (step.definitions !== loaded) {
        exp?.close();
        exp = new Experiments(pkg, core, v.definitions[step.definitions]);
        loaded = step.definitions;
        assert.equal(exp.loadCookie(previous), null);
      }
      const r = exp.evaluate({ attributes: { id: v.uid, path: step.path } });
      assert.equal(r.features.hero.value, step.hero, `step ${i + 1}`);
      assert.equal(r.changed, step.cookie !== previous, `step ${i + 1}: changed is whether the cookie changes`);
      assert.equal(exp.cookieValue(), step.cookie, `step ${i + 1}`);
      assert.equal(exp.evaluate({ attributes: { id: v.uid, path: step.path } }).changed, false, 'the same page again');
      previous = step.cookie;
    }
  } finally {
    exp?.close();
  }
});

test('exposureEventId is Web Crypto\'s SHA-256 of the UTF-8 key, as the SDK computed it before the core did', async () => {
  const webCrypto = async (key) => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
    return `x-${Buffer.from(digest).toString('hex').slice(0, 32)}`;
  };
  const keys = ['', 'idu-42exp-hero-layout1', 'id用户1exp-checkout2', 'id😀 shopper 0 👩‍👩‍👧hero-test0',
    'idZoe\u0301 1exp-layer-a0', 'id\ud800lone surrogate0', 'x'.repeat(1000), 'é'.repeat(63)];
  for (let i = 0; i < 200; i++) keys.push(`id${String.fromCodePoint(0x20 + ((i * 7919) % 0x10fff))}${'k'.repeat(i)}exp${i % 3}`);
  for (const key of keys) assert.equal(exposureEventId(core, key), await webCrypto(key), JSON.stringify(key));
  // The ids tests/core/exposure_id_test.cpp checks natively.
  assert.equal(exposureEventId(core, 'id用户1exp-checkout2'), 'x-7a7bdb250c1ce3e20088500606c82c3b');
});

test('bandit and analysis goldens are byte-identical in wasm', async () => {
  const dir = new URL('../golden/experiment/', import.meta.url);
  const read = async (n) => (await readFile(new URL(n, dir), 'utf8')).trim();
  assert.equal(JSON.stringify(banditWeights(core, await read('bandit.in.json'))),
    JSON.stringify(JSON.parse(await read('bandit.out.json'))));
  const a = analyzeExperiment(core, await read('analyze.in.json'));
  assert.deepEqual(a, JSON.parse(await read('analyze.out.json')));
  assert.throws(() => analyzeExperiment(core, { arms: [{ users: 1, conversions: 2 }, { users: 1 }] }),
    (e) => e.code === 'limit_exceeded' || e.where.startsWith('arms[0]'));
});

test('GrowthBookDefinitions: load once, evaluate per shopper, same answers', () => {
  let n = 0;
  for (const ctx of generateContexts(seed + 1, 500)) {
    const { attributes, features, ...rest } = ctx;
    const defs = GrowthBookDefinitions.load(core, { features });
    assert.deepEqual(defs.evalAll({ attributes, ...rest }).features, sdkResults(GrowthBook, ctx));
    defs.close();
    n++;
  }
  assert.equal(n, 500);
  assert.throws(() => GrowthBookDefinitions.load(core, '{'), (e) => e.code === 'invalid_json');
  const d = GrowthBookDefinitions.load(core, { features: {} });
  d.close();
  assert.throws(() => d.evalAll({}), /closed/);
});

test('GrowthBookDefinitions.evaluate (compact path) agrees with the SDK and the JSON path', () => {
  let evaluations = 0;
  let inExperiment = 0;
  let exposures = 0;
  const mismatches = [];
  for (const ctx of generateContexts(seed + 2, 1500)) {
    const { attributes, features } = ctx;
    const defs = GrowthBookDefinitions.load(core, { features });
    const set = defs.evaluate(attributes);
    const want = sdkResults(GrowthBook, { attributes, features });
    const all = set.features;
    for (const [key, w] of Object.entries(want)) {
      evaluations++;
      if (w.experimentResult?.inExperiment) inExperiment++;
      const same = isDeepStrictEqual(all[key], w) && isDeepStrictEqual(set.result(key), w) &&
        isDeepStrictEqual(set.value(key), w.value) && set.isOn(key) === w.on;
      if (!same) mismatches.push({ ctx, key, want: w, got: all[key] });
    }
    // The JSON path (a user context given as text never takes the compact path).
    for (const hashEncoding of ['utf16', 'utf8']) {
      const json = defs.evalAll(JSON.stringify({ attributes, hashEncoding }));
      const compact = defs.evaluate(attributes, { hashEncoding });
      assert.deepEqual({ features: compact.features, exposures: compact.exposures }, json);
      assert.deepEqual(defs.evalAll({ attributes, hashEncoding }), json);
      exposures += json.exposures.length;
    }
    defs.close();
  }
  assert.deepEqual(mismatches.slice(0, 3), [], `${mismatches.length} of ${evaluations} differ`);
  assert.ok(evaluations > 3000 && inExperiment > evaluations / 10, `${evaluations} / ${inExperiment}`);
  assert.ok(exposures > 500, `exposures are exercised (${exposures})`);
});

test('GrowthBookDefinitions.evaluate: unknown keys, shared values frozen, other contexts and bad input', () => {
  const defs = GrowthBookDefinitions.load(core, { features: { f: { defaultValue: { color: 'red' } } } });
  const set = defs.evaluate({ id: 'u' });
  assert.deepEqual(set.keys, ['f']);
  assert.deepEqual(set.result('nope'), { value: null, on: false, off: true, source: 'unknownFeature', ruleId: '' });
  assert.equal(set.value('nope'), null);
  assert.throws(() => { set.value('f').color = 'blue'; }, TypeError);
  assert.equal(defs.evaluate({ id: 'u' }).value('f').color, 'red');
  assert.deepEqual(defs.evaluate(null).features, defs.evaluate({}).features);
  assert.throws(() => defs.evaluate([1]), (e) => e instanceof TailorError && e.where === 'attributes');
  // Sticky docs are not attributes alone: evalAll takes the JSON path and returns them.
  assert.deepEqual(defs.evalAll({ attributes: { id: 'u' }, stickyBucketAssignmentDocs: {} }).stickyBucketAssignmentDocs, {});
  defs.close();
  assert.throws(() => defs.evaluate({}), /closed/);
  // Contextual bandits are evaluated by the JSON path, with the same answers.
  const bandit = { features: { f: { rules: [{ key: 'b', variations: [1, 2], contextualBanditRef: 'cb' }] } },
    contextualBandits: { cb: { contexts: [{ condition: {}, leafId: 3, weights: [0, 1] }] } } };
  const d2 = GrowthBookDefinitions.load(core, bandit);
  assert.deepEqual(d2.evaluate({ id: 'u1' }).features, evalAll(core, { ...bandit, attributes: { id: 'u1' } }).features);
  assert.equal(d2.evaluate({ id: 'u1' }).value('f'), 2);
  d2.close();
});

test('GrowthBookDefinitions.evaluate: feature keys that are Object.prototype names', () => {
  const features = { __proto__: null, constructor: { defaultValue: 1 }, toString: { defaultValue: 2 } };
  Object.defineProperty(features, '__proto__', { value: { defaultValue: 3 }, enumerable: true });
  const defs = GrowthBookDefinitions.load(core, JSON.stringify({ features }));
  const set = defs.evaluate({ id: 'u' });
  assert.deepEqual(set.features, defs.evalAll(JSON.stringify({ attributes: { id: 'u' } })).features);
  assert.equal(set.value('__proto__'), 3);
  assert.equal(Object.getPrototypeOf(set.features), Object.prototype);
  assert.equal(set.features.constructor.value, 1);
  assert.equal(set.value('hasOwnProperty'), null);
  defs.close();
});
