// EmbeddingIndex (wasm int8 SIMD top-k) through the typed-array API: scores are
// the core's f32 re-score (reproduced here operation by operation with
// Math.fround), the order is score then index, recall against exact search is
// high, the JSON envelope API returns the same answer, and bad input throws.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TailorCore, TailorError, EmbeddingIndex, unwrap } from '../../build/wasm/pkg/index.mjs';

const core = await TailorCore.load();

function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const N = 5000, D = 64, K = 50;
const rand = rng(3);
const values = new Float32Array(N * D).map(() => rand() + rand() + rand() - 1.5);
const queries = Array.from({ length: 8 }, () => new Float32Array(D).map(() => rand() - 0.5));

// The core's re-score: s += q[d] * r[d] in f32, d ascending.
const f32Score = (q, i) => {
  let s = 0;
  for (let d = 0; d < D; d++) s = Math.fround(s + Math.fround(q[d] * values[i * D + d]));
  return s;
};

test('top-k scores are the f32 re-score, ordered by score then index, with high recall', () => {
  const index = EmbeddingIndex.build(core, values, N, D);
  after(() => index.close());
  assert.equal(index.dim, D);
  let hits = 0;
  for (const q of queries) {
    const { items, scores } = index.topK(q, K);
    assert.ok(items instanceof Uint32Array && scores instanceof Float32Array);
    assert.equal(items.length, K);
    for (let i = 0; i < K; i++) {
      assert.equal(scores[i], f32Score(q, items[i]), `score of item ${items[i]}`);
      if (i > 0) assert.ok(scores[i - 1] > scores[i] || (scores[i - 1] === scores[i] && items[i - 1] < items[i]));
    }
    const exact = Array.from({ length: N }, (_, i) => [f32Score(q, i), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const truth = new Set(exact.slice(0, K).map(([, i]) => i));
    hits += [...items].filter((i) => truth.has(i)).length;
  }
  assert.ok(hits / (K * queries.length) >= 0.99, `recall ${hits / (K * queries.length)}`);
});

test('the typed-array API and the JSON envelope API give the same answer', () => {
  const index = EmbeddingIndex.build(core, values, N, D);
  const raw = new core.raw.EmbeddingIndex();
  after(() => { index.close(); raw.delete(); });
  unwrap(raw.build(values, N, D));
  for (const q of queries) {
    const a = index.topK(q, 20);
    const b = unwrap(raw.topK(q, 20));
    assert.deepEqual([...a.items], b.items);
    assert.deepEqual([...a.scores], b.scores.map(Math.fround)); // 9 significant digits round-trip a float
  }
  // Fewer rows than k: every row, still ordered.
  const small = EmbeddingIndex.build(core, values.subarray(0, 3 * D), 3, D);
  after(() => small.close());
  assert.equal(small.topK(queries[0], 10).items.length, 3);
});

test('bad sizes, dims, k and closed indexes are clear errors', () => {
  assert.throws(() => EmbeddingIndex.build(core, values, N, 63), (e) => e instanceof TailorError && e.where === 'values');
  assert.throws(() => EmbeddingIndex.build(core, values, N * D, 0), (e) => e instanceof TailorError && e.where === 'dim');
  const index = EmbeddingIndex.build(core, values, N, D);
  assert.throws(() => index.topK(new Float32Array(D - 1), 5), (e) => e instanceof TailorError && e.code === 'invalid_field' && e.where === 'query');
  assert.throws(() => index.topK(queries[0], 1001), (e) => e instanceof TailorError && e.code === 'limit_exceeded' && e.where === 'k');
  const nan = Float32Array.from(queries[0]);
  nan[7] = NaN;
  assert.throws(() => index.topK(nan, 5), (e) => e instanceof TailorError && e.where === 'query[7]');
  index.close();
  assert.throws(() => index.topK(queries[0], 5), /closed/);
});
