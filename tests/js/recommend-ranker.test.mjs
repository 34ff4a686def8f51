// Bring your own ranker: a real ONNX model (the exporter's logistic ranker, and
// models written with python3-onnx) runs on ONNX Runtime Web over the feature
// matrix the core builds; the core applies the rules and reasons to its scores.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { TailorCore, TailorError, Recommender } from '../../build/wasm/pkg/index.mjs';

const root = new URL('../../', import.meta.url).pathname;
const tailor = join(root, 'build/native/tailor');
const vec = (f) => join(root, 'tests/vectors/recommend', f);
const dir = mkdtempSync(join(tmpdir(), 'tailor-ranker-'));
const bundlePath = join(dir, 'b.bin');
execFileSync(tailor, ['build-bundle', '--events', vec('events.jsonl'), '--items', vec('items.jsonl'), '--out', bundlePath, '--lambda', '10']);
const onnxPath = join(dir, 'ranker.onnx');
execFileSync(tailor, ['train-ranker', '--train', vec('events.jsonl'), '--labels', vec('labels.tsv'),
  '--out', join(dir, 'ranker.json'), '--onnx', onnxPath, '--lambda', '10']);
const weights = JSON.parse(readFileSync(join(dir, 'ranker.json'), 'utf8'));
ort.env.wasm.numThreads = 1;
const core = await TailorCore.load();
const rec = Recommender.open(core, readFileSync(bundlePath));
after(() => rec.close());
const session = await ort.InferenceSession.create(readFileSync(onnxPath), { executionProviders: ['wasm'] });
const spec = { features: ['own_score', 'own_count', 'repeat_rate', 'ease', 'covisit', 'trending', 'popularity', 'recency', 'is_own', 'blend', 'embedding', 'order_share',
  // The repeat-purchase features, built by the offline builder's own function (bundle v4 carries the gaps).
  'orders', 'days_since_order', 'shopper_items', 'item_days', 'days_since_item', 'due', 'own_due'] };
const now = 1701100000000;
const events = ['SKU003', 'SKU011', 'SKU028', 'SKU012'].map((item, i) => ({ type: i === 3 ? 'add_to_cart' : 'view', id: `e${i}`, ts: now - (i + 1) * 3600000, uid: 's', item_id: item }));
events.push({ type: 'purchase', id: 'p0', ts: now - 31 * 86400000, uid: 's', currency: 'GBP', items: [{ item_id: 'SKU029', price: 2 }] });
events.push({ type: 'purchase', id: 'p1', ts: now - 86400000, uid: 's', currency: 'GBP', items: [{ item_id: 'SKU029', price: 2 }] });
const request = { slot: 'browse', now, events, size: 6 };

// A model written with python3-onnx: s = features @ ones, then `extra` nodes;
// the graph's output is `output`.
async function pythonModel(name, cols, extra, output, declaredCols = cols) {
  const path = join(dir, `${name}.onnx`);
  execFileSync('/usr/bin/python3', ['-c', `
import numpy as np, onnx, sys
from onnx import helper, TensorProto, numpy_helper
cols = ${cols}
nodes = [helper.make_node('MatMul', ['features', 'ones'], ['s'])] + [${extra}]
g = helper.make_graph(nodes, '${name}',
  [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', ${typeof declaredCols === 'string' ? `'${declaredCols}'` : 'cols'}])],
  [helper.make_tensor_value_info('${output}', TensorProto.FLOAT, ['N', 1])],
  [numpy_helper.from_array(np.ones((cols, 1), dtype=np.float32), 'ones'),
  ] + ([numpy_helper.from_array(np.ones((1,), dtype=np.float32), 'one')] if "'one'" in """${extra}""" else []))
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, sys.argv[1])
`, path]);
  return ort.InferenceSession.create(readFileSync(path), { executionProviders: ['wasm'] });
}

test('the exporter\'s ONNX ranker orders the candidates; rules and reasons come from the core', async () => {
  const d = await rec.recommendWithModel(request, { ort, session, spec });
  assert.equal(d.slot, 'browse');
  assert.equal(d.fallback, null);
  assert.ok(d.items.length > 0);
  // Independently: the same feature rows through the logistic weights (as the core computes them).
  const raw = core.raw ?? core;
  const handle = new raw.RecommenderHandle();
  try {
    const opened = JSON.parse(handle.open(readFileSync(bundlePath)));
    assert.equal(opened.ok, true);
    const job = JSON.parse(handle.prepareRanking(JSON.stringify(request), JSON.stringify(spec))).value;
    assert.equal(job.cols, spec.features.length);
    assert.ok(job.rows >= d.items.length);
    const x = handle.rankingFeatures(job.job);
    assert.equal(x.length, job.rows * job.cols);
    // The repeat-purchase columns are served: two orders (log 3), the newest a day ago (log 2).
    for (let r = 0; r < job.rows; r++) {
      assert.ok(Math.abs(x[r * job.cols + spec.features.indexOf('orders')] - Math.log(3)) < 1e-6);
      assert.ok(Math.abs(x[r * job.cols + spec.features.indexOf('days_since_order')] - Math.log(2)) < 1e-6);
    }
    const sig = (z) => 1 / (1 + Math.exp(-z));
    const expected = new Map();
    for (let r = 0; r < job.rows; r++) {
      let z = weights.bias;
      for (let k = 0; k < job.cols; k++) z += weights.weights[k] * x[r * job.cols + k];
      expected.set(job.ids[r], sig(z));
    }
    // ORT's scores reach the decision: every item's score is the model's (rounded to 1e-6).
    for (const it of d.items) {
      assert.ok(expected.has(it.id), it.id);
      assert.ok(Math.abs(it.score - expected.get(it.id)) <= 2e-6, `${it.id}: ${it.score} vs ${expected.get(it.id)}`);
      assert.ok(it.reasons.some((r) => r.source === 'model'));
    }
    // Ordered by the model's score (browse has a category cap, so compare order only).
    for (let i = 1; i < d.items.length; i++) assert.ok(d.items[i - 1].score >= d.items[i].score);
    // The best-scored row that passes the rules comes first; the purchase is excluded (browse rule).
    const best = [...expected.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    assert.equal(d.items[0].id, best);
    assert.ok(!d.items.some((it) => it.id === 'SKU029'));
    handle.dropRanking(job.job);
  } finally {
    handle.delete();
  }
});

test('NaN scores from a model fall back to the built-in ranker with a warning', async () => {
  // sqrt(-|s| - 1) is NaN for every row.
  const session2 = await pythonModel('nan', 2, `helper.make_node('Abs', ['s'], ['a']), helper.make_node('Neg', ['a'], ['n']),
    helper.make_node('Sub', ['n', 'one'], ['m']), helper.make_node('Sqrt', ['m'], ['score'])`, 'score');
  const d = await rec.recommendWithModel(request, { ort, session: session2, spec: { features: ['blend', 'price'] } });
  assert.equal(d.fallback, 'builtin_ranker');
  assert.ok(d.warnings.some((w) => /ranker: .*row 0.*not finite/.test(w)), JSON.stringify(d.warnings));
  // The fallback is the built-in order.
  const builtin = rec.recommend(request);
  assert.deepEqual(d.items.map((it) => it.id), builtin.items.map((it) => it.id));
});

test('a model whose input does not match the feature spec is a clear error', async () => {
  // The exporter's model takes 19 features; a spec naming 3 is refused before running it.
  await assert.rejects(rec.recommendWithModel(request, { ort, session, spec: { features: ['blend', 'ease', 'price'] } }),
    (e) => e instanceof TailorError && e.code === 'invalid_config' && /names 3 features/.test(e.message) && /\[N, 19\]/.test(e.message));
  // A spec naming an input the model does not have.
  await assert.rejects(rec.recommendWithModel(request, { ort, session, spec: { ...spec, input: 'x' } }),
    (e) => e instanceof TailorError && e.code === 'invalid_config' && /no input "x"/.test(e.message));
  // An unknown feature name.
  await assert.rejects(rec.recommendWithModel(request, { ort, session, spec: { features: ['blend', 'moon'] } }),
    (e) => e instanceof TailorError && e.code === 'invalid_config' && e.where === 'features[1]');
  // A python3-onnx model with 4 inputs columns against a 2-feature spec.
  const four = await pythonModel('four', 4, '', 's');
  await assert.rejects(rec.recommendWithModel(request, { ort, session: four, spec: { features: ['blend', 'price'], output: 's' } }),
    (e) => e instanceof TailorError && /names 2 features/.test(e.message));
  // A model that leaves its width symbolic passes the signature check, and fails
  // on the tensor: a TailorError naming the model, not an ORT internal.
  const symbolic = await pythonModel('symbolic', 4, '', 's', 'F');
  await assert.rejects(rec.recommendWithModel(request, { ort, session: symbolic, spec: { features: ['blend', 'price'], output: 's' } }),
    (e) => e instanceof TailorError && e.code === 'invalid_config' && e.where === 'model' && /x 2 feature tensor/.test(e.message));
  // The same model with a matching spec works (score = sum of the features).
  const ok = await rec.recommendWithModel(request, { ort, session: four, spec: { features: ['blend', 'price', 'in_stock', 'is_own'], output: 's' } });
  assert.equal(ok.fallback, null);
  assert.ok(ok.items.length > 0);
});

test('an empty catalogue or empty profile still decides (no model run for zero rows)', async () => {
  const cold = await rec.recommendWithModel({ slot: 'home', now }, { ort, session, spec });
  assert.equal(cold.fallback, 'cold_start');
  assert.ok(cold.items.length > 0);
  const none = await rec.recommendWithModel({ slot: 'similar', now, context: ['nope'], filters: { category: 'Nowhere' } }, { ort, session, spec });
  assert.deepEqual(none.items, []);
  assert.ok(none.warnings.some((w) => w.includes('nope')));
});
