// The learned ranker exported as ONNX gives the same scores in ONNX Runtime Web
// as the core computes itself (thousands of feature rows built by the core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tailor-onnx-'));
const vec = (f) => join(root, 'tests/vectors/recommend', f);

// Trains a ranker on the vectors, exports it, and returns ORT's scores next to the core's.
async function scoresOf(name, extra) {
  const onnxPath = join(dir, `${name}.onnx`);
  const rowsPath = join(dir, `${name}-rows.json`);
  execFileSync(join(root, 'build/native/tailor'), ['train-ranker', '--train', vec('events.jsonl'), '--labels', vec('labels.tsv'),
    '--out', join(dir, `${name}.json`), '--onnx', onnxPath, '--dump-rows', rowsPath, '--lambda', '10', ...extra]);
  const rows = JSON.parse(readFileSync(rowsPath, 'utf8'));
  const n = rows.scores.length;
  assert.ok(n >= 2000, `only ${n} rows`);
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(onnxPath), { executionProviders: ['wasm'] });
  assert.deepEqual(session.inputNames, ['features']);
  const input = new ort.Tensor('float32', Float32Array.from(rows.features), [n, rows.feature_count]);
  const out = await session.run({ features: input });
  return { rows, n, session, got: out.score.data };
}

function assertAgree({ rows, n, got }) {
  assert.equal(got.length, n);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - rows.scores[i]));
  assert.ok(worst <= 1e-5, `max |ORT - core| = ${worst}`);
  // Not trivially equal: scores vary across rows.
  assert.ok(Math.max(...rows.scores) - Math.min(...rows.scores) > 0.05);
}

test('ONNX Runtime Web and the core agree within 1e-5', async () => {
  const r = await scoresOf('logistic', []);
  assertAgree(r);
  // A tensor of the wrong width is rejected by ORT with an error, not a wrong answer.
  const bad = new ort.Tensor('float32', new Float32Array(r.n * 3), [r.n, 3]);
  await assert.rejects(r.session.run({ features: bad }));
});

test('ONNX Runtime Web and the core agree within 1e-5 on the MLP ranker (Gemm/Relu/Gemm/Sigmoid)', async () => {
  const configs = [['--model', 'mlp', '--hidden', '16', '--ensemble', '1', '--loss', 'pointwise'],
    ['--model', 'mlp'],  // the defaults: 8 units x 5, listwise
    ['--model', 'mlp', '--ensemble', '2', '--drop', 'orders,due']];
  for (const [i, extra] of configs.entries()) {
    const r = await scoresOf(`mlp-${i}`, extra);
    assertAgree(r);
    // Dropped features leave the model's input (and the dumped rows).
    assert.equal(r.rows.feature_count, i === 2 ? 17 : 19);
    assert.deepEqual(r.session.inputNames, ['features']);
    // A live hidden layer: many distinct scores, not a few dead-ReLU constants.
    assert.ok(new Set(r.rows.scores).size > 500, `only ${new Set(r.rows.scores).size} distinct scores`);
  }
});
