// Top-100 over 100,000 items x 64 dims: Tailor wasm (int8 SIMD128) vs the same C++
// natively (SSE2) vs ONNX Runtime Web (MatMul + TopK; items baked into the model,
// and items passed as an input tensor) vs plain JS (exact f32). Recall is measured
// against exact f32 search; native and wasm answers must be the same bytes.
//   node bench/recommend-topk.mjs [--n 100000] [--dim 64] [--queries 20] [--reps 7]
// Needs build/wasm (scripts/build.sh wasm) and build/native/tailor.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { TailorCore, EmbeddingIndex, unwrap } from '../build/wasm/pkg/index.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 100000), D = arg('dim', 64), NQ = arg('queries', 20), R = arg('reps', 7), K = 100;
const root = new URL('../', import.meta.url).pathname;
const require = createRequire(import.meta.url);

// Deterministic data: mulberry32, approximately normal by summing 4 uniforms.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const normal = () => rand() + rand() + rand() + rand() - 2;
const items = new Float32Array(N * D).map(normal);
const queries = new Float32Array(NQ * D).map(normal);

function exactTopK(q) {
  const scores = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    const o = i * D;
    for (let d = 0; d < D; d++) s += q[d] * items[o + d];
    scores[i] = s;
  }
  const idx = Array.from({ length: N }, (_, i) => i);
  // Partial selection: sort only candidates above a sampled threshold.
  const sorted = Float32Array.from(scores).sort();
  const thr = sorted[N - K];
  return idx.filter((i) => scores[i] >= thr).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, K);
}

// Wall-clock per query (median and min of R reps) and process CPU time per query
// (median of R reps; the machine is shared, so CPU time is the steadier figure).
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const summary = (per, cpu) => {
  per.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { median: per[Math.floor(per.length / 2)], min: per[0], cpu: cpu[Math.floor(cpu.length / 2)] };
};
function time(fn) {
  fn(0); // warm-up
  const per = [], cpu = [];
  for (let r = 0; r < R; r++) {
    const c0 = cpuMs(), t0 = performance.now();
    for (let q = 0; q < NQ; q++) fn(q);
    per.push((performance.now() - t0) / NQ);
    cpu.push((cpuMs() - c0) / NQ);
  }
  return summary(per, cpu);
}
async function timeAsync(fn) {
  await fn(0);
  const per = [], cpu = [];
  for (let r = 0; r < R; r++) {
    const c0 = cpuMs(), t0 = performance.now();
    for (let q = 0; q < NQ; q++) await fn(q);
    per.push((performance.now() - t0) / NQ);
    cpu.push((cpuMs() - c0) / NQ);
  }
  return summary(per, cpu);
}
// Single calls (200, after the reps): min / p10 / p50 wall-clock per call. On a
// loaded machine a batch is rarely left alone for its whole run; single calls are.
async function singleCalls(fn) {
  const t = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await fn(i % NQ);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { min1: t[0], p10: t[20], p50: t[100] };
}
const query = (q) => queries.subarray(q * D, (q + 1) * D);
const recall = (got, ref) => got.reduce((s, id) => s + (ref.has(id) ? 1 : 0), 0) / K;

// Reference: exact f32.
const reference = Array.from({ length: NQ }, (_, q) => new Set(exactTopK(query(q))));
const rows = [];

// 1. plain JS (exact).
rows.push({ contender: `plain JS exact f32 (node ${process.version})`, ...time((q) => exactTopK(query(q))), recall: 1 });

// 2. Tailor wasm: the typed-array API (query and results in wasm memory), and
// the same search through the JSON envelope API (per-call conversion + JSON).
const core = await TailorCore.load();
const index = EmbeddingIndex.build(core, items, N, D);
let rsum = 0;
const wasmAnswers = [];
for (let q = 0; q < NQ; q++) {
  const r = index.topK(query(q), K);
  rsum += recall([...r.items], reference[q]);
  wasmAnswers.push([...r.items].map((id, i) => `${id}:${r.scores[i]}`).join(','));
}
rows.push({ contender: `Tailor wasm int8 SIMD, typed arrays (core ${core.version()})`, ...time((q) => index.topK(query(q), K)),
  ...(await singleCalls((q) => index.topK(query(q), K))), recall: rsum / NQ });
const jsonIndex = new core.raw.EmbeddingIndex();
unwrap(jsonIndex.build(items, N, D));
for (let q = 0; q < NQ; q++) {
  const r = unwrap(jsonIndex.topK(query(q), K));
  if (r.items.map((id, i) => `${id}:${Math.fround(r.scores[i])}`).join(',') !== wasmAnswers[q]) throw new Error('the two wasm APIs differ');
}
const jsonRow = { contender: 'Tailor wasm, JSON envelope API (same search)', ...time((q) => unwrap(jsonIndex.topK(query(q), K))),
  ...(await singleCalls((q) => unwrap(jsonIndex.topK(query(q), K)))), recall: rsum / NQ };
jsonIndex.delete();

// 3. Tailor native (same C++), separate process on the same data.
const dir = mkdtempSync(join(tmpdir(), 'tailor-topk-'));
writeFileSync(join(dir, 'rows.f32'), Buffer.from(items.buffer));
writeFileSync(join(dir, 'q.f32'), Buffer.from(queries.buffer));
const nat = JSON.parse(execFileSync(join(root, 'build/native/tailor'), ['bench-topk', '--rows', join(dir, 'rows.f32'),
  '--queries', join(dir, 'q.f32'), '--n', String(N), '--dim', String(D), '--k', String(K), '--reps', String(R),
  '--ids', join(dir, 'ids.txt')]).toString());
const natLines = readFileSync(join(dir, 'ids.txt'), 'utf8').trim().split('\n');
const natIds = natLines.map((l) => l.split(',').filter(Boolean).map((p) => Number(p.split(':')[0])));
rsum = 0;
for (let q = 0; q < NQ; q++) rsum += recall(natIds[q], reference[q]);
// Same bytes: ids and scores (printed with 9 significant digits, which round-trips a float:
// Math.fround of the printed number is the float itself).
const natText = natLines.map((l) => l.split(',').filter(Boolean).map((p) => { const [id, sc] = p.split(':'); return `${id}:${Math.fround(Number(sc))}`; }).join(','));
const identical = natText.every((t, q) => t === wasmAnswers[q]);
if (!identical) throw new Error('native and wasm top-k answers differ');
rows.push({ contender: 'Tailor native int8 (same C++, g++ -O3, SSE2)', median: nat.median_ms, min: nat.min_ms, cpu: nat.cpu_ms, recall: rsum / NQ });
rows.push(jsonRow);

// 4. ONNX Runtime Web: MatMul(q, itemsT) + TopK, items baked in as an initializer.
// The model is written by python3-onnx (Debian; /usr/bin/python3 sees it).
const ort = await import('onnxruntime-web');
const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version;
ort.env.wasm.numThreads = 1;
const modelPath = join(dir, 'topk.onnx');
execFileSync('/usr/bin/python3', ['-c', `
import numpy as np, onnx, sys
from onnx import helper, TensorProto, numpy_helper
n, d, k = ${N}, ${D}, ${K}
items = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, d)
g = helper.make_graph(
  [helper.make_node('MatMul', ['q', 'items'], ['s']),
   helper.make_node('TopK', ['s', 'k'], ['values', 'indices'], axis=-1)],
  'topk', [helper.make_tensor_value_info('q', TensorProto.FLOAT, [1, d])],
  [helper.make_tensor_value_info('values', TensorProto.FLOAT, None),
   helper.make_tensor_value_info('indices', TensorProto.INT64, None)],
  [numpy_helper.from_array(np.ascontiguousarray(items.T), 'items'),
   numpy_helper.from_array(np.array([k], dtype=np.int64), 'k')])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
onnx.save(m, sys.argv[2])
`, join(dir, 'rows.f32'), modelPath]);
const session = await ort.InferenceSession.create(readFileSync(modelPath), { executionProviders: ['wasm'] });
const runOrt = async (q) => (await session.run({ q: new ort.Tensor('float32', Float32Array.from(query(q)), [1, D]) })).indices.data;
rsum = 0;
for (let q = 0; q < NQ; q++) rsum += recall(Array.from(await runOrt(q), Number), reference[q]);
rows.push({ contender: `ONNX Runtime Web ${ortVersion} (wasm, 1 thread, items baked into the model)`, ...(await timeAsync(runOrt)),
  ...(await singleCalls(runOrt)), recall: rsum / NQ });
await session.release();

// 5. ONNX Runtime Web with the items passed as an input tensor on every run.
const inputModelPath = join(dir, 'topk-input.onnx');
execFileSync('/usr/bin/python3', ['-c', `
import numpy as np, onnx, sys
from onnx import helper, TensorProto, numpy_helper
d, k = ${D}, ${K}
g = helper.make_graph(
  [helper.make_node('MatMul', ['q', 'items'], ['s']),
   helper.make_node('TopK', ['s', 'k'], ['values', 'indices'], axis=-1)],
  'topk_input', [helper.make_tensor_value_info('q', TensorProto.FLOAT, [1, d]),
                 helper.make_tensor_value_info('items', TensorProto.FLOAT, [d, 'N'])],
  [helper.make_tensor_value_info('values', TensorProto.FLOAT, [1, k]),
   helper.make_tensor_value_info('indices', TensorProto.INT64, [1, k])],
  [numpy_helper.from_array(np.array([k], dtype=np.int64), 'k')])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, sys.argv[1])
`, inputModelPath]);
const itemsT = new Float32Array(N * D);
for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) itemsT[d * N + i] = items[i * D + d];
const session2 = await ort.InferenceSession.create(readFileSync(inputModelPath), { executionProviders: ['wasm'] });
const itemsTensor = new ort.Tensor('float32', itemsT, [D, N]);
const runOrtInput = async (q) => (await session2.run({ q: new ort.Tensor('float32', Float32Array.from(query(q)), [1, D]), items: itemsTensor })).indices.data;
rsum = 0;
for (let q = 0; q < NQ; q++) rsum += recall(Array.from(await runOrtInput(q), Number), reference[q]);
rows.push({ contender: `ONNX Runtime Web ${ortVersion} (wasm, 1 thread, items passed as input)`, ...(await timeAsync(runOrtInput)), recall: rsum / NQ });
await session2.release();

console.log(`top-${K} over ${N} x ${D}, ${NQ} queries x ${R} reps (median / min per query), ${cpus()[0].model}`);
console.log('| contender | median ms | min ms | CPU ms (median) | single calls min / p10 / p50 ms | recall@100 vs exact f32 |');
console.log('|---|---|---|---|---|---|');
const single = (r) => (r.min1 === undefined ? '—' : `${r.min1.toFixed(3)} / ${r.p10.toFixed(3)} / ${r.p50.toFixed(3)}`);
for (const r of rows) console.log(`| ${r.contender} | ${r.median.toFixed(3)} | ${r.min.toFixed(3)} | ${r.cpu.toFixed(3)} | ${single(r)} | ${r.recall.toFixed(4)} |`);
const wasm = rows[1];
console.log(`native and wasm answers identical (ids and scores): ${identical}`);
console.log(`wasm vs ORT Web baked: ${(rows[4].median / wasm.median).toFixed(2)}x (min ${(rows[4].min / wasm.min).toFixed(2)}x); ` +
  `vs ORT Web input: ${(rows[5].median / wasm.median).toFixed(2)}x (min ${(rows[5].min / wasm.min).toFixed(2)}x); ` +
  `vs native: ${(rows[2].median / wasm.median).toFixed(2)}x; vs plain JS: ${(rows[0].median / wasm.median).toFixed(2)}x; ` +
  `CPU time: vs ORT baked ${(rows[4].cpu / wasm.cpu).toFixed(2)}x, vs ORT input ${(rows[5].cpu / wasm.cpu).toFixed(2)}x, ` +
  `JSON envelope API / typed arrays ${(rows[3].cpu / wasm.cpu).toFixed(2)}x`);
index.close();
