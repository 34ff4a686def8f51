// Seeded generator of GrowthBook feature definitions, contexts and attribute
// sets for differential tests against @growthbook/growthbook. Deterministic
// for a given seed. Exercises rule types, coverage/weights normalization,
// hash versions, namespaces, filters, ranges, meta, prerequisites, forced
// variations, query-string overrides and non-ASCII ids.
import { prng } from './condition-gen.mjs';

export const UNICODE_IDS = [
  '用户123', '张伟', '😀', 'a😀b', '👨‍👩‍👧', 'e\u0301', 'é', 'Ω', 'İ', '𝒜𝒷𝒸', '\u{10FFFF}', 'ﾃｽﾄ', 'ñandú',
  'مرحبا', 'שלום', '\u0000x', 'a\u200db', '🇨🇳', 'カタカナ', '한국어',
];
const IDS = ['1', '2', '123', 'abc', 'user-42', 'u_7', '', 'ABC', 7, 0, 42.5, true, ...UNICODE_IDS];
const VALUES = ['a', 'b', 'c', 'control', 'red', 'blue', 0, 1, 2, true, false, null, '', { color: 'red' }, [1, 2]];

function pick(r, arr) { return arr[Math.floor(r() * arr.length)]; }
function maybe(r, p, fn) { return r() < p ? fn() : undefined; }
function clean(o) {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function weights(r, n) {
  const x = r();
  if (x < 0.4) return undefined;
  if (x < 0.8) {
    const w = Array.from({ length: n }, () => r() + 0.01);
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((v) => Math.round((v / s) * 10000) / 10000);
  }
  if (x < 0.9) return Array.from({ length: n }, () => Math.round(r() * 100) / 100); // rarely sums to 1
  return Array.from({ length: n + (r() < 0.5 ? 1 : -1) }, () => 1 / n); // wrong length
}

function coverage(r) {
  const x = r();
  if (x < 0.5) return undefined;
  if (x < 0.85) return Math.round(r() * 100) / 100;
  return pick(r, [0, 1, -0.5, 1.5, 0.999]);
}

function condition(r) {
  return pick(r, [
    { country: 'US' }, { country: { $in: ['US', 'CN'] } }, { age: { $gte: 18 } }, { premium: true },
    { id: { $exists: true } }, { $or: [{ country: 'GB' }, { age: { $lt: 30 } }] }, { company: { $ne: 'acme' } },
    { id: { $regex: '^[0-9]+$' } }, { browser: { $nin: ['ie'] } }, { version: { $vgte: '1.2.0' } },
  ]);
}

function rule(r, featureKeys, self) {
  const hashAttribute = maybe(r, 0.4, () => pick(r, ['id', 'anonymousId', 'company', 'missing']));
  const common = clean({
    condition: maybe(r, 0.3, () => condition(r)),
    hashAttribute,
    fallbackAttribute: maybe(r, 0.15, () => pick(r, ['anonymousId', 'deviceId'])),
    hashVersion: maybe(r, 0.5, () => pick(r, [1, 2, 2, 3])),
    seed: maybe(r, 0.3, () => pick(r, ['s1', 'seed-x', '种子'])),
    id: maybe(r, 0.3, () => 'rule' + Math.floor(r() * 100)),
    parentConditions: maybe(r, 0.1, () => {
      const others = featureKeys.filter((k) => k !== self);
      if (!others.length) return undefined;
      return [clean({ id: pick(r, others), condition: pick(r, [{ value: true }, { value: { $exists: true } }, { value: 'a' }]),
        gate: maybe(r, 0.5, () => true) })];
    }),
    filters: maybe(r, 0.1, () => [{ seed: 'f' + Math.floor(r() * 5), attribute: hashAttribute,
      ranges: [[0, Math.round(r() * 100) / 100]], hashVersion: pick(r, [1, 2]) }]),
  });
  if (r() < 0.3) {
    return clean({ ...common, force: pick(r, VALUES), coverage: coverage(r),
      range: maybe(r, 0.15, () => { const a = Math.round(r() * 50) / 100; return [a, a + 0.3]; }) });
  }
  const n = 2 + Math.floor(r() * 3);
  const variations = Array.from({ length: r() < 0.05 ? 1 : n }, (_, i) => pick(r, VALUES) ?? i);
  return clean({
    ...common,
    key: maybe(r, 0.6, () => pick(r, ['exp1', 'exp2', 'checkout-test', '实验'])),
    variations,
    weights: weights(r, variations.length),
    coverage: coverage(r),
    namespace: maybe(r, 0.15, () => [pick(r, ['ns1', 'ns2']), Math.round(r() * 50) / 100, Math.round((0.5 + r() * 0.5) * 100) / 100]),
    meta: maybe(r, 0.3, () => variations.map((_, i) => clean({ key: pick(r, [String(i), 'v' + i]),
      passthrough: maybe(r, 0.1, () => true), name: maybe(r, 0.3, () => 'Variant ' + i) }))),
    ranges: maybe(r, 0.08, () => variations.map((_, i) => [i / variations.length, (i + 0.5) / variations.length])),
    name: maybe(r, 0.2, () => 'Experiment'),
    phase: maybe(r, 0.2, () => '1'),
    bucketVersion: maybe(r, 0.1, () => pick(r, [0, 1, 2])),
  });
}

export function features(r) {
  const keys = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => 'f' + i);
  const out = {};
  for (const k of keys) {
    out[k] = clean({
      defaultValue: maybe(r, 0.9, () => pick(r, VALUES)),
      rules: Array.from({ length: Math.floor(r() * 4) }, () => rule(r, keys, k)),
    });
  }
  return out;
}

export function attributes(r) {
  return clean({
    id: maybe(r, 0.9, () => pick(r, IDS)),
    anonymousId: maybe(r, 0.4, () => pick(r, IDS)),
    deviceId: maybe(r, 0.2, () => pick(r, IDS)),
    company: maybe(r, 0.3, () => pick(r, ['acme', 'globex', '', '公司'])),
    country: maybe(r, 0.6, () => pick(r, ['US', 'GB', 'CN', 'DE'])),
    age: maybe(r, 0.5, () => Math.floor(r() * 60)),
    premium: maybe(r, 0.4, () => r() < 0.5),
    browser: maybe(r, 0.3, () => pick(r, ['chrome', 'ie', 'safari'])),
    version: maybe(r, 0.3, () => pick(r, ['1.0.0', '1.2.0', '1.10.1', '2.0.0-beta'])),
  });
}

export function context(r) {
  const feats = features(r);
  return clean({
    attributes: attributes(r),
    features: feats,
    forcedVariations: maybe(r, 0.1, () => ({ [pick(r, ['exp1', 'exp2', 'f0'])]: pick(r, [0, 1, 2, 5, -1]) })),
    url: maybe(r, 0.15, () => pick(r, ['https://shop.example.com/?exp1=1', 'https://x.com/p?exp2=0&a=b',
      'https://x.com/p?f0=1#top', 'https://x.com/', 'https://x.com/?checkout-test=2'])),
    qaMode: maybe(r, 0.05, () => true),
    enabled: maybe(r, 0.03, () => false),
  });
}

/** n contexts, each evaluated for every feature. */
export function generateContexts(seed, n) {
  const r = prng(seed);
  return Array.from({ length: n }, () => JSON.parse(JSON.stringify(context(r))));
}

/** The SDK's FeatureResult for every feature, JSON round-tripped. */
export function sdkResults(GrowthBook, ctx) {
  const saved = [console.error, console.warn, console.log];
  console.error = console.warn = console.log = () => {};
  try {
    const out = {};
    for (const key of Object.keys(ctx.features)) {
      const gb = new GrowthBook(ctx);
      out[key] = JSON.parse(JSON.stringify(gb.evalFeature(key)));
      gb.destroy();
    }
    return out;
  } finally {
    [console.error, console.warn, console.log] = saved;
  }
}
