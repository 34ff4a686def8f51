// Parse + render latency at the edge: Tailor copy (wasm core in workerd)
// against liquidjs (its browser ESM build in the same workerd), same templates
// and data as bench/copy-bench.mjs. Outputs are checked equal before timing.
//   TAILOR_JOBS=1 scripts/build.sh wasm && node bench/copy-edge.mjs [--quick]
// Two figures per template:
//   in-worker  (T(k = K) - T(k = 1)) / (K - 1) over one request that parses and
//              renders K times: the cost of one cold template (compile + render
//              from a plain JS object) inside the isolate;
//   request    one HTTP request that parses and renders once, client-side
//              latency; for Tailor with a core instantiated per request (what
//              edge/worker.mjs does) and with one kept core; minus nothing
//              (a /noop request is shown for the HTTP floor).
process.env.TZ = 'UTC';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerdConfig } from '../edge/workerd-config.mjs';
import { startWorkerd, workerdBin } from '../tests/runtimes/workerd.mjs';
import { column, medianAndMin, timedPost } from './edge-timing.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const quick = process.argv.includes('--quick');
const R = quick ? 3 : 7;             // repetitions (median and min)
const K = quick ? 51 : 201;          // parses per in-worker request (at least)
const N = quick ? 20 : 60;           // requests per latency figure

const corpus = (name) => readFileSync(join(root, 'tests/vectors/liquid-corpus', `${name}.liquid`), 'utf8');
const data = JSON.parse(readFileSync(join(root, 'tests/vectors/liquid-corpus/_data.json'), 'utf8'));
const templates = {
  'email-subject': corpus('email-subject-welcome'),
  'sms-cart': corpus('sms-cart-abandon'),
  'product-card': corpus('product-card'),
  'order-confirmation': corpus('order-confirmation'),
  'recommendations': corpus('recommendations-list'),
  'loop-heavy': '{% for i in (1..50) %}{% for r in recommendations.home %}{% if r.badge %}{{ r.title | upcase }}{% else %}{{ r.title | downcase | truncate: 8 }}{% endif %}{{ forloop.index }}{% endfor %}{% endfor %}',
};

const liquidPath = join(root, 'node_modules/liquidjs/dist/liquid.browser.mjs');
const makeConfig = (opts) => workerdConfig({ ...opts, workerPath: join(root, 'bench/copy-edge-worker.mjs') })
  // The first module is the main one: liquid.mjs goes right after worker.mjs.
  .replace(/(\(name = "worker\.mjs"[^\n]*\n)/, `$1    (name = "liquid.mjs", esModule = embed ${JSON.stringify(relative(opts.configDir, liquidPath))}),\n`);

const w = await startWorkerd({ makeConfig });
const post = (path, body) => timedPost(w.url, path, body);
const stats = medianAndMin;
const f = column;
const version = JSON.parse(readFileSync(join(root, 'node_modules/liquidjs/package.json'), 'utf8')).version;
const workerd = execFileSync(workerdBin, ['--version'], { encoding: 'utf8' }).trim();

try {
  console.log(`${workerd}, liquidjs ${version} (browser ESM) vs Tailor wasm (JS API: compile + render(object) + close)`);
  console.log(`R=${R}, in-worker K=${K}, N=${N} requests per latency figure; µs\n`);
  const rows = [];
  for (const [name, template] of Object.entries(templates)) {
    const body = (k, fresh = false) => JSON.stringify({ template, data, k, fresh });
    const a = await post('/tailor', body(1, true));
    const b = await post('/liquidjs', body(1));
    if (a.text !== b.text) throw new Error(`${name}: outputs differ\n${a.text}\n${b.text}`);
    for (let i = 0; i < 5; ++i) { await post('/tailor', body(K)); await post('/liquidjs', body(K)); }
    const inWorker = async (path) => {
      // K grows until one request parses and renders for about 100 ms, far above the HTTP noise.
      const probe = (await post(path, body(K))).ms / K;
      const k = Math.min(50000, Math.max(K, Math.ceil(100 / probe)));
      const per = [];
      for (let r = 0; r < R; ++r) {
        const one = (await post(path, body(1))).ms;
        const many = (await post(path, body(k))).ms;
        per.push(((many - one) / (k - 1)) * 1000);
      }
      return stats(per);
    };
    const latency = async (path, fresh) => {
      const ms = [];
      for (let i = 0; i < N; ++i) ms.push((await post(path, body(1, fresh))).ms * 1000);
      return stats(ms);
    };
    const row = {
      name,
      ljIn: await inWorker('/liquidjs'), tIn: await inWorker('/tailor'),
      ljReq: await latency('/liquidjs', false), tReqFresh: await latency('/tailor', true), tReq: await latency('/tailor', false),
      noop: await latency('/noop', false),
    };
    rows.push(row);
    console.log(`${name.padEnd(19)} in-worker liquidjs ${f(row.ljIn.median)} / ${f(row.ljIn.min)}  tailor ${f(row.tIn.median)} / ${f(row.tIn.min)}  ` +
      `ratio ${(row.ljIn.median / row.tIn.median).toFixed(1)}x | request liquidjs ${f(row.ljReq.median)}  tailor fresh core ${f(row.tReqFresh.median)}  ` +
      `kept core ${f(row.tReq.median)}  noop ${f(row.noop.median)}`);
  }
  const geo = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
  console.log(`\ngeometric mean ratio (liquidjs / tailor), in-worker parse + render: ${geo(rows.map((r) => r.ljIn.median / r.tIn.median)).toFixed(1)}x`);
} finally {
  await w.stop();
}
