// Assignment latency at the edge: a page's worth of features (24, mixed rules,
// as bench/experiment-bench.mjs) for one shopper, by Tailor (wasm core) and by
// @growthbook/growthbook (ESM bundle) in the same workerd isolate. Results are
// checked equal for every shopper before timing.
//   TAILOR_JOBS=1 scripts/build.sh wasm && node bench/experiment-edge.mjs [--quick]
// Figures (µs, median / min of R):
//   in-worker  (T(k = K) - T(k = 1)) / (K - 1) over one request assigning K shoppers;
//   request    one HTTP request assigning one shopper, client-side latency: Tailor with a
//              fresh core + definitions per request (what edge/worker.mjs does) and kept;
//              /noop is the HTTP floor;
//   page       GET / through edge/worker.mjs in front of an origin: cookies, assignment,
//              HTMLRewriter (Tailor only; the SDK has no such worker).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { workerdConfig } from '../edge/workerd-config.mjs';
import { startWorkerd, workerdBin } from '../tests/runtimes/workerd.mjs';
import { column, medianAndMin, timedPost } from './edge-timing.mjs';
import { prng } from '../tests/oracles/condition-gen.mjs';
import { features as genFeatures, attributes as genAttributes } from '../tests/oracles/experiment-gen.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const quick = process.argv.includes('--quick');
const R = quick ? 3 : 7;
const K = quick ? 51 : 201;
const N = quick ? 20 : 60;
const SHOPPERS = 200;

const r = prng(99);
const features = {};
while (Object.keys(features).length < 24) {
  for (const [k, v] of Object.entries(genFeatures(r))) features[`${k}_${Object.keys(features).length}`] = v;
}
const shoppers = Array.from({ length: SHOPPERS }, () => JSON.parse(JSON.stringify(genAttributes(r))));

const gbPath = join(root, 'node_modules/@growthbook/growthbook/dist/bundles/esm.js');
const makeConfig = (opts) => workerdConfig({ ...opts, workerPath: join(root, 'bench/experiment-edge-worker.mjs') })
  .replace(/(\(name = "worker\.mjs"[^\n]*\n)/, `$1    (name = "growthbook.mjs", esModule = embed ${JSON.stringify(relative(opts.configDir, gbPath))}),\n`);

const post = timedPost;
const stats = medianAndMin;
const f = column;
const version = JSON.parse(readFileSync(join(root, 'node_modules/@growthbook/growthbook/package.json'), 'utf8')).version;
const workerdVersion = execFileSync(workerdBin, ['--version'], { encoding: 'utf8' }).trim();

const w = await startWorkerd({ makeConfig });
try {
  console.log(`${workerdVersion}, @growthbook/growthbook ${version} (ESM bundle) vs Tailor wasm (GrowthBookDefinitions.evalAll)`);
  console.log(`${Object.keys(features).length} features per page, ${SHOPPERS} shoppers; R=${R}, K=${K}, N=${N}; µs per shopper\n`);
  // Correctness: the same FeatureResults for every shopper.
  for (let i = 0; i < SHOPPERS; i++) {
    const body = JSON.stringify({ features, shoppers: [shoppers[i]], k: 1 });
    const a = JSON.parse((await post(w.url, '/growthbook', body)).text);
    const b = JSON.parse((await post(w.url, '/tailor', body)).text);
    if (!isDeepStrictEqual(a, b)) throw new Error(`shopper ${i}: results differ`);
  }
  console.log(`checked: identical FeatureResults for all ${SHOPPERS} shoppers`);
  const inWorker = async (path) => {
    const body = (k) => JSON.stringify({ features, shoppers, k });
    await post(w.url, path, body(K)); // warm up
    const per = [];
    for (let rep = 0; rep < R; ++rep) {
      const one = (await post(w.url, path, body(1))).ms;
      const many = (await post(w.url, path, body(K))).ms;
      per.push(((many - one) / (K - 1)) * 1000);
    }
    return stats(per);
  };
  const latency = async (path, fresh) => {
    const ms = [];
    for (let i = 0; i < N; ++i) {
      ms.push((await post(w.url, path, JSON.stringify({ features, shoppers: [shoppers[i % SHOPPERS]], k: 1, fresh }))).ms * 1000);
    }
    return stats(ms);
  };
  const gbIn = await inWorker('/growthbook');
  const tIn = await inWorker('/tailor');
  console.log(`in-worker assignment  growthbook ${f(gbIn.median)} / ${f(gbIn.min)}   tailor ${f(tIn.median)} / ${f(tIn.min)}   ` +
    `ratio (growthbook / tailor) ${(gbIn.median / tIn.median).toFixed(2)}x`);
  const gbReq = await latency('/growthbook', false);
  const tFresh = await latency('/tailor', true);
  const tKept = await latency('/tailor', false);
  const noop = await latency('/noop', false);
  console.log(`request latency       growthbook ${f(gbReq.median)}   tailor fresh core ${f(tFresh.median)}   tailor kept ${f(tKept.median)}   noop ${f(noop.median)}`);
} finally {
  await w.stop();
}

// The real edge route: GET / through edge/worker.mjs (cookies, assignment, HTMLRewriter).
const page = '<!doctype html><html><head><title>t</title></head><body><div data-tailor-feature="f_0">x</div></body></html>';
const origin = await new Promise((ok) => {
  const s = createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); });
  s.listen(0, '127.0.0.1', () => ok(s));
});
const edge = await startWorkerd({ makeConfig: (opts) => workerdConfig({ ...opts, features: JSON.stringify({ features }),
  origin: `127.0.0.1:${origin.address().port}` }) });
try {
  const get = async (cookie) => {
    const t0 = performance.now();
    const res = await fetch(`${edge.url}/`, { headers: { cookie } });
    const text = await res.text();
    if (!text.includes('tailor-assignment')) throw new Error('page not personalized');
    return { ms: performance.now() - t0, set: res.headers.getSetCookie() };
  };
  const first = await get('tailor_uid=bench-1');
  const sb = first.set.find((c) => c.startsWith('tailor_sb='))?.split(';')[0] ?? '';
  const times = { fresh: [], sticky: [] };
  for (let i = 0; i < N; ++i) {
    times.fresh.push((await get(`tailor_uid=bench-${i + 2}`)).ms * 1000);
    times.sticky.push((await get(`tailor_uid=bench-1; ${sb}`)).ms * 1000);
  }
  const origin0 = [];
  for (let i = 0; i < N; ++i) {
    const t0 = performance.now();
    await (await fetch(`http://127.0.0.1:${origin.address().port}/`)).text();
    origin0.push((performance.now() - t0) * 1000);
  }
  console.log(`edge page (GET /)     new shopper ${f(stats(times.fresh).median)}   returning (sticky cookie) ${f(stats(times.sticky).median)}   ` +
    `origin alone ${f(stats(origin0).median)}`);
} finally {
  await edge.stop();
  origin.close();
}
