// Size and start-up of the wasm core, next to named peers, in one run.
//   bash scripts/build.sh wasm && node bench/startup-size.mjs [--runs 15] [--write]
// Sizes: the .wasm, the Emscripten glue and the JS API, raw and gzip -9,
// against the browser bundles of @growthbook/growthbook and liquidjs and the
// onnxruntime-web wasm. Start-up: a cold Node process that imports the
// package and instantiates the core (against bare `node`, GrowthBook and
// LiquidJS imports), in-process compile/instantiate, and workerd (process
// start to first answer; per-request instantiation against a route without
// the core). Each contender's output is checked before anything is timed.
// --write puts the tables into bench/RESULTS-runtimes.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startWorkerd, workerdBin } from '../tests/runtimes/workerd.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const pkgDir = join(root, 'build/wasm/pkg');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', 15));
const INPROC = 50;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const min = (xs) => Math.min(...xs);
const ms = (x) => x.toFixed(2);
const kb = (n) => (n / 1024).toFixed(1);
const version = (p) => JSON.parse(readFileSync(join(root, 'node_modules', p, 'package.json'), 'utf8')).version;

// ---- identities
const ident = {
  commit: execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
  date: new Date().toISOString().slice(0, 10),
  node: process.version,
  workerd: execFileSync(workerdBin, ['--version'], { encoding: 'utf8' }).trim(),
  emcc: `emcc ${((spawnSync('emcc', ['--version'], { encoding: 'utf8' }).stdout ?? '').match(/\d+\.\d+\.\d+/) ?? ['unknown'])[0]}`,
  cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
  os: `Linux ${release()}`,
  growthbook: version('@growthbook/growthbook'),
  liquidjs: version('liquidjs'),
  ort: version('onnxruntime-web'),
};

// ---- sizes
function size(file) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}
const pkgFiles = readdirSync(pkgDir);
const apiJs = pkgFiles.filter((f) => f.endsWith('.mjs') && f !== 'tailor_core.mjs');
const sum = (list) => list.reduce((a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz }), { raw: 0, gz: 0 });
const sizes = [
  ['Tailor core (tailor_core.wasm)', size(join(pkgDir, 'tailor_core.wasm'))],
  ['Tailor Emscripten glue (tailor_core.mjs)', size(join(pkgDir, 'tailor_core.mjs'))],
  [`Tailor JS API (${apiJs.join(', ')})`, sum(apiJs.map((f) => size(join(pkgDir, f))))],
];
sizes.push(['**Tailor total (wasm + glue + API)**', sum(sizes.map(([, s]) => s))]);
const peerSizes = [
  [`@growthbook/growthbook ${ident.growthbook} (dist/bundles/esm.min.js)`, size(join(root, 'node_modules/@growthbook/growthbook/dist/bundles/esm.min.js'))],
  [`liquidjs ${ident.liquidjs} (dist/liquid.browser.min.js)`, size(join(root, 'node_modules/liquidjs/dist/liquid.browser.min.js'))],
  [`onnxruntime-web ${ident.ort} (ort-wasm-simd-threaded.wasm)`, size(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'))],
];

// ---- Node: cold processes. Each script checks its result, then prints the ms it took.
const scripts = {
  'bare `node` (process only)': `process.stdout.write('0')`,
  'Tailor: import + TailorCore.load()': `const t0 = performance.now();
    const { TailorCore } = await import(${JSON.stringify(join(pkgDir, 'index.mjs'))});
    const core = await TailorCore.load();
    const ev = core.decodeEvent({ type: 'view', id: 'e', ts: 1, uid: 'u', item_id: 'A' });
    if (ev.item_id !== 'A' || core.version() !== '0.1.0') throw new Error('wrong answer');
    process.stdout.write(String(performance.now() - t0));`,
  [`GrowthBook ${ident.growthbook}: import + new GrowthBook()`]: `const t0 = performance.now();
    const { GrowthBook } = await import('@growthbook/growthbook');
    const gb = new GrowthBook({ attributes: { id: 'u' }, features: { f: { defaultValue: 7 } } });
    if (gb.getFeatureValue('f', 0) !== 7) throw new Error('wrong answer');
    process.stdout.write(String(performance.now() - t0));`,
  [`LiquidJS ${ident.liquidjs}: import + new Liquid()`]: `const t0 = performance.now();
    const { Liquid } = await import('liquidjs');
    const out = new Liquid().parseAndRenderSync('{{ a | upcase }}', { a: 'x' });
    if (out !== 'X') throw new Error('wrong answer');
    process.stdout.write(String(performance.now() - t0));`,
};

function coldRun(code) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${code.slice(0, 60)}…: ${r.stderr}`);
  return { inside: Number(r.stdout), wall };
}

const cold = {};
for (const [name, code] of Object.entries(scripts)) coldRun(code); // warm the file cache, check answers
for (let i = 0; i < RUNS; i++) {
  for (const [name, code] of Object.entries(scripts)) (cold[name] ??= []).push(coldRun(code));
}

// ---- Node: in-process compile and instantiate.
const { TailorCore } = await import(join(pkgDir, 'index.mjs'));
const wasmBytes = readFileSync(join(pkgDir, 'tailor_core.wasm'));
const compile = [];
const instantiate = [];
const compiled = await WebAssembly.compile(wasmBytes);
for (let i = 0; i < 3; i++) await TailorCore.load(compiled); // warm-up
for (let i = 0; i < INPROC; i++) {
  let t0 = performance.now();
  await WebAssembly.compile(wasmBytes);
  compile.push(performance.now() - t0);
  t0 = performance.now();
  const core = await TailorCore.load(compiled);
  instantiate.push(performance.now() - t0);
  if (core.version() !== '0.1.0') throw new Error('wrong answer');
}

// ---- workerd
const wdStart = [];
const perRequest = { core: [], none: [] };
for (let i = 0; i < Math.min(RUNS, 7); i++) {
  const w = await startWorkerd();
  wdStart.push(w.startupMs);
  if (i === 0) {
    const check = await (await fetch(`${w.url}/healthz`)).json();
    if (check.version !== '0.1.0') throw new Error('workerd: wrong answer');
    for (let k = 0; k < 10; k++) { await (await fetch(`${w.url}/healthz`)).text(); await (await fetch(`${w.url}/none`)).text(); }
    for (let k = 0; k < INPROC; k++) {
      let t0 = performance.now();
      await (await fetch(`${w.url}/healthz`)).text();
      perRequest.core.push(performance.now() - t0);
      t0 = performance.now();
      await (await fetch(`${w.url}/none`)).text();
      perRequest.none.push(performance.now() - t0);
    }
  }
  await w.stop();
}

// ---- report
const lines = [];
const p = (s = '') => lines.push(s);
p(`Machine: ${ident.cpu}, ${ident.os}; Node ${ident.node}; ${ident.workerd}; ${ident.emcc}; commit ${ident.commit}; ${ident.date}.`);
p(`Build: \`bash scripts/build.sh wasm\` (Release: -O3, -msimd128, -fwasm-exceptions, DYNAMIC_EXECUTION=0). Command: \`node bench/startup-size.mjs --runs ${RUNS}\`.`);
p();
p('### Size (bytes; gzip -9)');
p();
p('| artifact | raw | gzip | raw KiB | gzip KiB |');
p('|---|---:|---:|---:|---:|');
for (const [name, s] of [...sizes, ...peerSizes]) p(`| ${name} | ${s.raw} | ${s.gz} | ${kb(s.raw)} | ${kb(s.gz)} |`);
const total = sizes.at(-1)[1];
p();
p(`Tailor total gzip is ${(total.gz / peerSizes[0][1].gz).toFixed(2)}× GrowthBook's bundle, ${(total.gz / peerSizes[1][1].gz).toFixed(2)}× LiquidJS's and ${(total.gz / peerSizes[2][1].gz).toFixed(3)}× the onnxruntime-web wasm.`);
p();
p(`### Start-up in Node (cold process, ${RUNS} runs each, interleaved)`);
p();
p('"inside" is measured in the process from before the import to a checked answer; "process" is spawn to exit, wall clock.');
p();
p('| contender | inside median ms | inside min ms | process median ms | process min ms |');
p('|---|---:|---:|---:|---:|');
for (const [name, runs] of Object.entries(cold)) {
  const inside = runs.map((r) => r.inside);
  const wall = runs.map((r) => r.wall);
  p(`| ${name} | ${ms(median(inside))} | ${ms(min(inside))} | ${ms(median(wall))} | ${ms(min(wall))} |`);
}
const tail = (name) => median(cold[name].map((r) => r.inside));
const tailorName = 'Tailor: import + TailorCore.load()';
p();
const gbName = Object.keys(cold).find((k) => k.startsWith('GrowthBook'));
const lqName = Object.keys(cold).find((k) => k.startsWith('LiquidJS'));
p(`Tailor's import + load takes ${(tail(tailorName) / tail(gbName)).toFixed(2)}× GrowthBook's import + construct and ${(tail(tailorName) / tail(lqName)).toFixed(2)}× LiquidJS's.`);
p();
p(`### In-process (Node, ${INPROC} runs after 3 warm-ups)`);
p();
p('| step | median ms | min ms |');
p('|---|---:|---:|');
p(`| WebAssembly.compile(tailor_core.wasm bytes) (V8 may reuse code for identical bytes: see min) | ${ms(median(compile))} | ${ms(min(compile))} |`);
p(`| TailorCore.load(compiled WebAssembly.Module): instantiate + Embind setup | ${ms(median(instantiate))} | ${ms(min(instantiate))} |`);
p();
p(`### workerd (edge/worker.mjs)`);
p();
p('| measure | median ms | min ms | n |');
p('|---|---:|---:|---:|');
p(`| process start → first answer from GET /healthz (includes one core instantiation) | ${ms(median(wdStart))} | ${ms(min(wdStart))} | ${wdStart.length} |`);
p(`| GET /healthz round trip (instantiates the core per request) | ${ms(median(perRequest.core))} | ${ms(min(perRequest.core))} | ${INPROC} |`);
p(`| GET /none round trip (404, no core) | ${ms(median(perRequest.none))} | ${ms(min(perRequest.none))} | ${INPROC} |`);
p(`| difference: per-request core instantiation in workerd | ${ms(median(perRequest.core) - median(perRequest.none))} | | |`);
const report = lines.join('\n');
console.log(report);

if (process.argv.includes('--write')) {
  const doc = `# Runtimes: size and start-up

Produced by \`bench/startup-size.mjs\` (this file is written by \`node bench/startup-size.mjs --write\`).
Every contender's answer is checked before it is timed (Tailor: a canonical event and the version;
GrowthBook: a feature value; LiquidJS: a rendered template; workerd: /healthz reports the version).

${report}
`;
  writeFileSync(join(root, 'bench/RESULTS-runtimes.md'), doc);
  console.log('\nwrote bench/RESULTS-runtimes.md');
}
