// Render throughput and parse+render latency: Tailor copy (wasm, from JS)
// against liquidjs, same templates and data, one Node process.
//   node bench/copy-bench.mjs [--quick]
// Every contender's output is checked against liquidjs before timing.
// `tailor` is the wasm build in build/wasm/pkg (TAILOR_JOBS=1 scripts/build.sh wasm).
process.env.TZ = 'UTC';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TailorCore, Copy } from '../build/wasm/pkg/index.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Liquid } = require(join(root, 'node_modules/liquidjs'));
const liquidVersion = JSON.parse(readFileSync(join(root, 'node_modules/liquidjs/package.json'), 'utf8')).version;
const quick = process.argv.includes('--quick');
const R = quick ? 3 : 7;

const corpus = (name) => readFileSync(join(root, 'tests/vectors/liquid-corpus', `${name}.liquid`), 'utf8');
const dataText = readFileSync(join(root, 'tests/vectors/liquid-corpus/_data.json'), 'utf8');
const data = JSON.parse(dataText);
const templates = {
  'email-subject': corpus('email-subject-welcome'),
  'sms-cart': corpus('sms-cart-abandon'),
  'product-card': corpus('product-card'),
  'order-confirmation': corpus('order-confirmation'),
  'recommendations': corpus('recommendations-list'),
  'loop-heavy': '{% for i in (1..50) %}{% for r in recommendations.home %}{% if r.badge %}{{ r.title | upcase }}{% else %}{{ r.title | downcase | truncate: 8 }}{% endif %}{{ forloop.index }}{% endfor %}{% endfor %}',
};

const core = await TailorCore.load();
const copy = new Copy(core);
const bound = copy.data(dataText);
const engine = new Liquid({ cache: false });
let commit = 'unknown';
try { commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(); } catch { /* not a checkout */ }

console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
console.log(`contenders: liquidjs ${liquidVersion} (parse once, renderSync) | tailor core ${core.version()} wasm @ ${commit} ` +
  '(compile once; render with bound CopyData / with a plain JS object)');
console.log(`R=${R} repetitions, median and min of R; N iterations per repetition\n`);

// One chunk of n calls: wall-clock and process CPU time (the machine is shared:
// CPU time leaves out the time this process waited for a core).
function time(fn, n) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / n; // µs per call
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / n };
}
const stats = (xs) => { xs.sort((a, b) => a - b); return { median: xs[Math.floor(xs.length / 2)], min: xs[0] }; };
// Contenders measured in turn within each repetition, so a busy moment hits them alike.
function measureAll(fns, n) {
  for (const fn of Object.values(fns)) for (let i = 0; i < Math.max(50, n / 10); ++i) fn(); // warm-up
  const runs = Object.fromEntries(Object.keys(fns).map((k) => [k, { wall: [], cpu: [] }]));
  for (let r = 0; r < R; ++r) {
    for (const [k, fn] of Object.entries(fns)) {
      const t = time(fn, n);
      runs[k].wall.push(t.wall);
      runs[k].cpu.push(t.cpu);
    }
  }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { ...stats(v.wall), cpu: stats(v.cpu) }]));
}
const fmt = (x) => x.toFixed(2).padStart(8);

// Two equal data objects, alternated call by call for both contenders: nothing
// may be cached on the object's identity (Tailor reads the object on every call).
const datas = [data, JSON.parse(dataText)];
const alternating = (fn) => { let i = 0; return () => fn(datas[(i++) & 1]); };
const rows = [];
for (const [name, src] of Object.entries(templates)) {
  const ljTpl = engine.parse(src);
  const ref = engine.renderSync(ljTpl, data);
  const t = copy.compile(src);
  const viaBound = t.renderText(bound);
  const viaFull = t.render(bound).text;
  const viaObject = t.render(data).text;
  if (viaBound !== ref || viaObject !== ref || viaFull !== ref || t.render(datas[1]).text !== ref) {
    throw new Error(`${name}: outputs differ\nliquidjs: ${JSON.stringify(ref)}\ntailor:   ${JSON.stringify(viaBound)}`);
  }
  const n = quick ? 500 : (src.length > 300 ? 2000 : 5000);
  const m = measureAll({
    lj: alternating((d) => engine.renderSync(ljTpl, d)),
    tb: () => t.renderText(bound),
    tf: () => t.render(bound),
    to: alternating((d) => t.render(d)),
  }, n);
  const cold = measureAll({
    ljCold: () => engine.parseAndRenderSync(src, data),
    tCold: () => { const c = copy.compile(src); c.render(data); c.close(); },
  }, n / 2);
  rows.push({ name, n, ...m, ...cold });
  t.close();
}

console.log('render throughput (µs per render, median / min of wall-clock; ratios of medians)');
console.log('  text   = renderText(CopyData): bound data, text only');
console.log('  full   = render(CopyData): bound data, full result (unresolved, defaulted, budget) as JSON');
console.log('  object = render(jsObject): a plain object every call (two objects alternated, as for liquidjs);');
console.log('           only the data the template reads (data_paths) is written into wasm memory as JSON bytes');
console.log('  cpu    = the object ratio in process CPU time (median of chunks)');
console.log('template              N   liquidjs            tailor text         tailor full         tailor object       ratio text  full  object    cpu');
for (const r of rows) {
  const ratio = (x) => (r.lj.median / x.median).toFixed(1);
  console.log(`${r.name.padEnd(19)} ${String(r.n).padStart(5)} ${fmt(r.lj.median)} /${fmt(r.lj.min)}  ${fmt(r.tb.median)} /${fmt(r.tb.min)}  ` +
    `${fmt(r.tf.median)} /${fmt(r.tf.min)}  ${fmt(r.to.median)} /${fmt(r.to.min)}  ${ratio(r.tb).padStart(8)}x ${ratio(r.tf).padStart(5)}x ${ratio(r.to).padStart(6)}x ` +
    `${(r.lj.cpu.median / r.to.cpu.median).toFixed(1).padStart(5)}x`);
}
console.log('\nparse + render latency, cold template (µs, median / min)');
console.log('template              liquidjs            tailor              ratio');
for (const r of rows) {
  console.log(`${r.name.padEnd(19)} ${fmt(r.ljCold.median)} /${fmt(r.ljCold.min)}  ${fmt(r.tCold.median)} /${fmt(r.tCold.min)}  ` +
    `${(r.ljCold.median / r.tCold.median).toFixed(1).padStart(6)}x`);
}
const geo = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
console.log(`\ngeometric mean ratio (liquidjs / tailor): render text ${geo(rows.map((r) => r.lj.median / r.tb.median)).toFixed(1)}x, ` +
  `render full ${geo(rows.map((r) => r.lj.median / r.tf.median)).toFixed(1)}x, ` +
  `render object ${geo(rows.map((r) => r.lj.median / r.to.median)).toFixed(1)}x (cpu ${geo(rows.map((r) => r.lj.cpu.median / r.to.cpu.median)).toFixed(1)}x), ` +
  `parse+render ${geo(rows.map((r) => r.ljCold.median / r.tCold.median)).toFixed(1)}x`);
bound.close();
