// Bring your own ranker in Chromium: the wasm package and onnxruntime-web loaded
// by a page, the exporter's ONNX model scoring the core's feature matrix. The
// decision must equal the one Node computes from the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { TailorCore, Recommender } from '../../build/wasm/pkg/index.mjs';
import { launchChromium } from '../runtimes/chromium.mjs';
import { startStaticServer } from '../runtimes/static-server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const tailor = join(root, 'build/native/tailor');
const vec = (f) => join(root, 'tests/vectors/recommend', f);
const dir = mkdtempSync(join(tmpdir(), 'tailor-ranker-web-'));
execFileSync(tailor, ['build-bundle', '--events', vec('events.jsonl'), '--items', vec('items.jsonl'), '--out', join(dir, 'b.bin'), '--lambda', '10']);
execFileSync(tailor, ['train-ranker', '--train', vec('events.jsonl'), '--labels', vec('labels.tsv'),
  '--out', join(dir, 'ranker.json'), '--onnx', join(dir, 'ranker.onnx'), '--lambda', '10']);
const spec = { features: ['own_score', 'own_count', 'repeat_rate', 'ease', 'covisit', 'trending', 'popularity', 'recency', 'is_own', 'blend', 'embedding', 'order_share',
  // The repeat-purchase features, built by the offline builder's own function (bundle v4 carries the gaps).
  'orders', 'days_since_order', 'shopper_items', 'item_days', 'days_since_item', 'due', 'own_due'] };
const now = 1701100000000;
const request = { slot: 'home', now, size: 5, events: ['SKU003', 'SKU011', 'SKU028'].map((item, i) => ({ type: 'view', id: `e${i}`, ts: now - (i + 1) * 3600000, uid: 's', item_id: item })) };
// Purchases 40 and 2 days ago: the repeat-purchase features (and due) are not all zero.
for (const [id, days] of [['p0', 40], ['p1', 2]]) {
  request.events.push({ type: 'purchase', id, ts: now - days * 86400000, uid: 's', currency: 'GBP', items: [{ item_id: 'SKU011', price: 2 }] });
}

test('recommendWithModel in Chromium equals Node', async () => {
  ort.env.wasm.numThreads = 1;
  const core = await TailorCore.load();
  const rec = Recommender.open(core, readFileSync(join(dir, 'b.bin')));
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'ranker.onnx')), { executionProviders: ['wasm'] });
  const inNode = await rec.recommendWithModel(request, { ort, session, spec });
  rec.close();
  assert.ok(inNode.items.length > 0);

  const server = await startStaticServer({ mounts: { '/': root, '/data/': dir, '/ort/': join(root, 'node_modules/onnxruntime-web/dist') } });
  const browser = await launchChromium();
  try {
    await browser.page.goto(`${server.url}/tests/runtimes/page.html`);
    await browser.page.waitForFunction(() => document.title !== 'loading', null, { timeout: 20000 });
    const inBrowser = await browser.page.evaluate(async ({ request, spec }) => {
      const ortWeb = await import('/ort/ort.wasm.min.mjs');
      ortWeb.env.wasm.numThreads = 1;
      const pkg = await import('/build/wasm/pkg/index.mjs');
      const core = await pkg.TailorCore.load();
      const bytes = new Uint8Array(await (await fetch('/data/b.bin')).arrayBuffer());
      const model = new Uint8Array(await (await fetch('/data/ranker.onnx')).arrayBuffer());
      const rec = pkg.Recommender.open(core, bytes);
      const session = await ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] });
      const d = await rec.recommendWithModel(request, { ort: ortWeb, session, spec });
      rec.close();
      return d;
    }, { request, spec });
    assert.deepEqual(inBrowser, inNode);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
