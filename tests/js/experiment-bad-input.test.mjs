// Bad input to experiments through the wasm package (issue 5), compared with
// @growthbook/growthbook wherever the SDK gives an answer: weights that do not
// sum to 1, coverage outside [0, 1], unknown operators, malformed definitions,
// hostile regular expressions, giant attributes and tampered sticky cookies.
// Each is the SDK's answer, a clear TailorError, or the documented safe default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrowthBook } from '@growthbook/growthbook';
import { TailorCore, TailorError, evalAll, stickyCookieDecode, stickyCookieEncode, GrowthBookDefinitions }
  from '../../build/wasm/pkg/index.mjs';

const core = await TailorCore.load();

/** The SDK's FeatureResult, or {threw: message}. Its console noise is muted. */
function sdk(ctx, key) {
  const saved = [console.error, console.warn, console.log];
  console.error = console.warn = console.log = () => {};
  const gb = new GrowthBook(ctx);
  try {
    return JSON.parse(JSON.stringify(gb.evalFeature(key)));
  } catch (e) {
    return { threw: String(e?.message ?? e) };
  } finally {
    gb.destroy();
    [console.error, console.warn, console.log] = saved;
  }
}

const experiment = (rule) => ({ f: { defaultValue: 'none', rules: [{ key: 'exp', variations: ['a', 'b', 'c'], ...rule }] } });
const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);

test('weights that do not sum to 1 and coverage outside [0, 1] are normalized exactly as the SDK does', () => {
  const rules = [
    { weights: [0.9, 0.9, 0.9] }, { weights: [0.1, 0.1, 0.1] }, { weights: [0, 0, 0] }, { weights: [2, -1, 0] },
    { weights: [0.5, 0.5] }, { weights: [0.25, 0.25, 0.25, 0.25] }, { weights: [0.5, 0.3, 0.3] },
    { coverage: -0.5 }, { coverage: 1.5 }, { coverage: 7 }, { coverage: 0 }, { coverage: '0.5' },
    { weights: [0.9, 0.9, 0.9], coverage: 2 },
  ];
  for (const rule of rules) {
    const features = experiment(rule);
    const counts = {};
    for (const id of users) {
      const want = sdk({ attributes: { id }, features }, 'f');
      const got = evalAll(core, { attributes: { id }, features }).features.f;
      assert.deepEqual(got, want, `${JSON.stringify(rule)} ${id}`);
      counts[want.value] = (counts[want.value] ?? 0) + 1;
    }
    assert.ok(Object.keys(counts).length >= 1);
  }
});

test('non-numeric weights put nobody in the experiment, as in the SDK', () => {
  // Text or objects make the SDK's ranges NaN; null and booleans are 0 / 1 in its arithmetic.
  for (const weights of [['x', 'y', 'z'], [{}, 0.5, 0.5], [null, 0.5, 0.5], [true, 0, 0], [false, true, null]]) {
    const features = experiment({ weights });
    for (const id of users.slice(0, 50)) {
      const want = sdk({ attributes: { id }, features }, 'f');
      assert.deepEqual(evalAll(core, { attributes: { id }, features }).features.f, want, `${JSON.stringify(weights)} ${id}`);
      const defs = GrowthBookDefinitions.load(core, { features });
      assert.deepEqual(defs.evaluate({ id }).result('f'), want);
      defs.close();
    }
  }
});

test('unknown operators: the same answer as the SDK (an unknown operator is false)', () => {
  const conditions = [
    { x: { $bogus: 1 } }, { x: { $eq: 1, $bogus: 1 } }, { $and: [{ x: 1 }, { x: { $bogus: 1 } }] },
    { $or: [{ x: { $bogus: 1 } }, { x: 1 }] }, { $nor: [{ x: { $bogus: 1 } }] }, { x: { $not: { $bogus: 1 } } },
    { $not: { x: { $bogus: 1 } } }, { tags: { $elemMatch: { $bogus: 'a' } } }, { $bogus: 1 }, { x: { $in: 5 } },
    { x: { $size: 'x' } }, { x: { $type: 'nope' } }, { x: { $exists: 'maybe' } }, { x: { $vgt: null } },
  ];
  for (const condition of conditions) {
    const features = { f: { defaultValue: 1, rules: [{ condition, force: 2 }] } };
    const ctx = { attributes: { id: 'u', x: 1, tags: ['a', 'b'] }, features };
    const want = sdk(ctx, 'f');
    assert.equal(want.threw, undefined, JSON.stringify(condition));
    assert.deepEqual(evalAll(core, ctx).features.f, want, JSON.stringify(condition));
  }
});

test('malformed definitions: a clear TailorError, or where the SDK answers, its answer', () => {
  for (const [defs, code, where] of [
    ['{', 'invalid_json', null], ['[]', 'invalid_config', null], [{ features: 5 }, 'invalid_field', 'features'],
    [{ features: [] }, 'invalid_field', 'features'], [{ savedGroups: [] }, 'invalid_field', 'savedGroups'],
    [{ features: { f: { rules: [{ condition: { id: { $regex: 'a'.repeat(257) } }, force: 1 }] } } }, 'limit_exceeded', null],
  ]) {
    assert.throws(() => GrowthBookDefinitions.load(core, defs),
      (e) => e instanceof TailorError && e.code === code && (where === null || e.where === where), JSON.stringify(defs).slice(0, 80));
  }
  const odd = [
    { defaultValue: 1, rules: 5 }, { defaultValue: 1, rules: [{}] }, { defaultValue: 1, rules: [{ variations: [] }] },
    { defaultValue: 1, rules: [{ variations: [1, 2], hashVersion: 99 }] }, { defaultValue: 1, rules: [{ variations: [1, 2], namespace: 'x' }] },
    { defaultValue: 1, rules: [{ variations: [1, 2], ranges: [[0, 2], [2, 3]] }] }, { defaultValue: 1, rules: [{ force: 2, range: [1, 0] }] },
    { defaultValue: 1, rules: [{ variations: [1, 2], hashAttribute: 'nope' }] }, { defaultValue: 1, rules: [{ parentConditions: 'x', force: 2 }] },
  ];
  let compared = 0;
  for (const f of odd) {
    const ctx = { attributes: { id: 'u1' }, features: { f } };
    const want = sdk(ctx, 'f');
    const got = evalAll(core, ctx).features.f;
    if (want.threw) continue; // the SDK throws; the core answers (never an exception)
    assert.deepEqual(got, want, JSON.stringify(f));
    compared++;
  }
  assert.ok(compared >= 6, `compared ${compared}`);
});

test('hostile regular expressions: the SDK\'s answer on short subjects, a prompt answer on long ones', () => {
  const patterns = ['(a+)+$', '(a|a)*$', '(a*)*$', '(a|aa)+$', '([a-z]+)*$', '(.*a){8}$', '(x+x+)+y', '(\\w+\\s?)*$', '^(\\w+\\s?)*$'];
  for (const $regex of patterns) {
    const features = { f: { defaultValue: 1, rules: [{ condition: { id: { $regex } }, force: 2 }] } };
    // Short: backtracking is still cheap for the SDK, so it is the oracle.
    const short = { attributes: { id: `${'a'.repeat(16)}!` }, features };
    assert.deepEqual(evalAll(core, short).features.f, sdk(short, 'f'), $regex);
    // At the 4096-byte subject limit the SDK would not return for most of these; the core
    // answers what JavaScript would (the short answer: the patterns do not depend on length).
    const long = { attributes: { id: `${'a'.repeat(4095)}!` }, features };
    assert.equal(evalAll(core, long).features.f.value, sdk(short, 'f').value, `${$regex} (4096 bytes)`);
  }
});

test('giant attributes: 100k keys evaluate like the SDK; a 10 MB string or deep nesting is limit_exceeded', () => {
  const features = { f: { defaultValue: 1, rules: [{ condition: { k99999: 'v' }, force: 2 }, { key: 'e', variations: [3, 4] }] } };
  const attributes = { id: 'u1' };
  for (let i = 0; i < 100000; i++) attributes[`k${i}`] = i === 99999 ? 'v' : 'w';
  assert.deepEqual(evalAll(core, { attributes, features }).features.f, sdk({ attributes, features }, 'f'));
  const huge = { attributes: { id: 'x'.repeat(10 << 20) }, features };
  assert.throws(() => evalAll(core, huge), (e) => e instanceof TailorError && e.code === 'limit_exceeded');
  // 100,000 levels (as text: JSON.stringify itself overflows JS's stack on such an object).
  const deep = `{"attributes":{"id":"u","deep":${'['.repeat(100000)}1${']'.repeat(100000)}},"features":${JSON.stringify(features)}}`;
  assert.throws(() => evalAll(core, deep), (e) => e instanceof TailorError && e.code === 'limit_exceeded');
  const defs = GrowthBookDefinitions.load(core, { features });
  try {
    assert.throws(() => defs.evalAll(huge), (e) => e.code === 'limit_exceeded');
    assert.equal(defs.evalAll({ attributes }).features.f.value, 2);
  } finally {
    defs.close();
  }
});

test('tampered sticky cookies are invalid_state (or limit_exceeded); the safe default re-buckets by hash', () => {
  const features = experiment({});
  const first = evalAll(core, { attributes: { id: 'u1' }, features, stickyBucketAssignmentDocs: {} });
  const cookie = stickyCookieEncode(core, first.stickyBucketAssignmentDocs);
  const bad = ['', 's1.', 's1.~', cookie.slice(0, -1), `${cookie}x`, cookie.replace('s1.', 's2.'), cookie.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    `${cookie.slice(0, 5)}\u00e9${cookie.slice(6)}`, 'x'.repeat(1025), '😀'.repeat(10)];
  for (const c of bad) {
    assert.throws(() => stickyCookieDecode(core, c), (e) => e instanceof TailorError && ['invalid_state', 'limit_exceeded'].includes(e.code), JSON.stringify(c.slice(0, 40)));
  }
  // The documented default: no sticky docs. The assignment is the hash's, as the SDK's.
  const fallback = evalAll(core, { attributes: { id: 'u1' }, features, stickyBucketAssignmentDocs: {} }).features.f;
  assert.equal(fallback.value, sdk({ attributes: { id: 'u1' }, features }, 'f').value);
  // Sticky docs of the wrong shape (a decoded cookie from elsewhere) are ignored, not an error.
  const odd = evalAll(core, { attributes: { id: 'u1' }, features, stickyBucketAssignmentDocs: { 'id||u1': 5 } });
  assert.equal(odd.features.f.value, fallback.value);
});
