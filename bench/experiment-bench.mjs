// Tailor (wasm) vs @growthbook/growthbook evaluating a page's worth of
// features for many shoppers, in one Node process. Every contender's
// FeatureResults are checked against the SDK for every shopper before timing.
// A timed "page" evaluates every feature for one shopper and reads each
// feature's value. Reports median and min of R repetitions of N shoppers.
//   node bench/experiment-bench.mjs [shoppers=2000] [reps=7] [--no-context]
// (--no-context leaves out the slow evalAll(context) row, which re-parses the
// definitions for every shopper.)
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { GrowthBook } from '@growthbook/growthbook';
import { TailorCore, evalAll, GrowthBookDefinitions } from '../build/wasm/pkg/index.mjs';
import { prng } from '../tests/oracles/condition-gen.mjs';
import { features as genFeatures, attributes as genAttributes } from '../tests/oracles/experiment-gen.mjs';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? 2000);
const R = Number(args[1] ?? 7);
const withContext = !process.argv.includes('--no-context');
const r = prng(99);
// A page's worth: 24 features with mixed rules.
const features = {};
while (Object.keys(features).length < 24) {
  for (const [k, v] of Object.entries(genFeatures(r))) features[`${k}_${Object.keys(features).length}`] = v;
}
const keys = Object.keys(features);
const shoppers = Array.from({ length: N }, () => JSON.parse(JSON.stringify(genAttributes(r))));
const core = await TailorCore.load();
const defs = GrowthBookDefinitions.load(core, { features });
const valuesOf = (results) => keys.map((k) => results[k].value);

function sdkResults(attrs) {
  const gb = new GrowthBook({ attributes: attrs, features });
  const out = {};
  for (const k of keys) out[k] = gb.evalFeature(k);
  gb.destroy();
  return out;
}

// results(attrs): every FeatureResult (checked); page(attrs): what a page does (timed).
const v = core.version();
const contenders = {
  [`@growthbook/growthbook ${require('@growthbook/growthbook/package.json').version}`]: {
    results: sdkResults,
    page: (attrs) => valuesOf(sdkResults(attrs)),
  },
  [`tailor wasm ${v} evaluate(attrs) + value(key)`]: {
    results: (attrs) => defs.evaluate(attrs).features,
    page: (attrs) => {
      const set = defs.evaluate(attrs);
      return keys.map((k) => set.value(k));
    },
  },
  [`tailor wasm ${v} evaluate(attrs).features`]: {
    results: (attrs) => defs.evaluate(attrs).features,
    page: (attrs) => valuesOf(defs.evaluate(attrs).features),
  },
  [`tailor wasm ${v} defs.evalAll({attributes})`]: {
    results: (attrs) => defs.evalAll({ attributes: attrs }).features,
    page: (attrs) => valuesOf(defs.evalAll({ attributes: attrs }).features),
  },
};
if (withContext) {
  contenders[`tailor wasm ${v} evalAll(context)`] = {
    results: (attrs) => evalAll(core, { attributes: attrs, features }).features,
    page: (attrs) => valuesOf(evalAll(core, { attributes: attrs, features }).features),
  };
}

// The SDK warns on console.error about out-of-range coverage and weights; the
// warnings are silenced (a no-op), so printing them costs the SDK no time.
const consoleError = console.error;
console.error = () => {};

// Correctness first: identical FeatureResults (and page values) for every shopper.
const names = Object.keys(contenders);
let inExperiment = 0;
for (const attrs of shoppers) {
  const ref = JSON.parse(JSON.stringify(contenders[names[0]].results(attrs)));
  inExperiment += Object.values(ref).filter((x) => x.experimentResult?.inExperiment).length;
  for (const n of names.slice(1)) {
    if (!isDeepStrictEqual(contenders[n].results(attrs), ref)) throw new Error(`${n} differs for ${JSON.stringify(attrs)}`);
    if (!isDeepStrictEqual(contenders[n].page(attrs), valuesOf(ref))) throw new Error(`${n} page values differ`);
  }
}
// Repetitions are interleaved (every contender once per round), so a burst of
// load on the shared machine hits all contenders alike.
// Wall time and CPU time (user + system of all the process's threads, GC
// helpers included) are both recorded: on a loaded machine wall time also
// counts waiting for a core, CPU time only the work done.
const times = Object.fromEntries(names.map((n) => [n, []]));
const cpu = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) for (let i = 0; i < Math.min(200, N); i++) contenders[n].page(shoppers[i]); // warm up
for (let rep = 0; rep < R; rep++) {
  for (const n of names) {
    const { page } = contenders[n];
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const attrs of shoppers) page(attrs);
    times[n].push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu[n].push((c.user + c.system) / 1e3);
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stats = {};
for (const n of names) stats[n] = { median: median(times[n]), min: Math.min(...times[n]), cpu: median(cpu[n]) };
console.error = consoleError;
console.log(`node ${process.version}, ${keys.length} features x ${N} shoppers, R=${R}, ` +
  `${inExperiment} of ${keys.length * N} evaluations in an experiment`);
for (const n of names) {
  const s = stats[n];
  console.log(`${n.padEnd(48)} wall median ${s.median.toFixed(1)} ms  min ${s.min.toFixed(1)} ms  ` +
    `cpu median ${s.cpu.toFixed(1)} ms  (${(s.cpu * 1000 / N).toFixed(1)} us cpu/shopper)`);
}
// Paired ratios (same round) are the most robust wall-time figure under changing load.
for (const n of names.slice(1)) {
  const paired = median(times[names[0]].map((t, i) => t / times[n][i]));
  console.log(`ratio (growthbook / ${n}): cpu ${(stats[names[0]].cpu / stats[n].cpu).toFixed(2)}x, ` +
    `wall paired median ${paired.toFixed(2)}x, wall mins ${(stats[names[0]].min / stats[n].min).toFixed(2)}x`);
}
defs.close();
