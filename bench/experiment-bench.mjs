// Tailor (wasm evalAll) vs @growthbook/growthbook evaluating a page's worth of
// features for many shoppers. Every contender's results are checked against
// the SDK before timing. Reports median and min of R repetitions of N shoppers.
//   node bench/experiment-bench.mjs [shoppers=2000] [reps=7]
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { GrowthBook } from '@growthbook/growthbook';
import { TailorCore, evalAll, GrowthBookDefinitions } from '../build/wasm/pkg/index.mjs';
import { prng } from '../tests/oracles/condition-gen.mjs';
import { features as genFeatures, attributes as genAttributes } from '../tests/oracles/experiment-gen.mjs';

const require = createRequire(import.meta.url);
const N = Number(process.argv[2] ?? 2000);
const R = Number(process.argv[3] ?? 7);
const r = prng(99);
// A page's worth: 24 features with mixed rules.
const features = {};
while (Object.keys(features).length < 24) {
  for (const [k, v] of Object.entries(genFeatures(r))) features[`${k}_${Object.keys(features).length}`] = v;
}
const shoppers = Array.from({ length: N }, () => JSON.parse(JSON.stringify(genAttributes(r))));
const core = await TailorCore.load();

const contenders = {
  [`@growthbook/growthbook ${require('@growthbook/growthbook/package.json').version}`]: (attrs) => {
    const gb = new GrowthBook({ attributes: attrs, features });
    const out = {};
    for (const k of Object.keys(features)) out[k] = gb.evalFeature(k);
    gb.destroy();
    return out;
  },
  [`tailor wasm ${core.version()} evalAll(context)`]: (attrs) => evalAll(core, { attributes: attrs, features }).features,
  [`tailor wasm ${core.version()} GrowthBookDefinitions`]: (attrs) => defs.evalAll({ attributes: attrs }).features,
};
const defs = GrowthBookDefinitions.load(core, { features });

// Correctness first: identical FeatureResults for every shopper.
const names = Object.keys(contenders);
for (const attrs of shoppers) {
  const ref = JSON.parse(JSON.stringify(contenders[names[0]](attrs)));
  for (const n of names.slice(1)) {
    if (!isDeepStrictEqual(contenders[n](attrs), ref)) throw new Error(`${n} differs for ${JSON.stringify(attrs)}`);
  }
}
const quiet = console.error;
const stats = {};
for (const n of names) {
  for (let i = 0; i < Math.min(200, N); i++) contenders[n](shoppers[i]); // warm up
  const times = [];
  for (let rep = 0; rep < R; rep++) {
    const t0 = process.hrtime.bigint();
    for (const attrs of shoppers) contenders[n](attrs);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  stats[n] = { median: times[Math.floor(R / 2)], min: times[0] };
}
console.error = quiet;
console.log(`node ${process.version}, ${Object.keys(features).length} features x ${N} shoppers, R=${R}`);
for (const n of names) {
  const s = stats[n];
  console.log(`${n.padEnd(40)} median ${s.median.toFixed(1)} ms  min ${s.min.toFixed(1)} ms  ` +
    `(${(s.median * 1000 / N).toFixed(1)} us/shopper)`);
}
for (const n of names.slice(1)) {
  console.log(`ratio (growthbook / ${n}), median: ${(stats[names[0]].median / stats[n].median).toFixed(2)}x`);
}
defs.close();
