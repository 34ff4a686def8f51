// The embedding, content and category-trending sources through the wasm package:
// a bundle built by the native CLI (with a cold catalogue item), decisions with
// reasons, byte-identical to the native `tailor recommend`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TailorCore, Recommender } from '../../build/wasm/pkg/index.mjs';

const root = new URL('../../', import.meta.url).pathname;
const tailor = join(root, 'build/native/tailor');
const dir = mkdtempSync(join(tmpdir(), 'tailor-rec-src-'));
// The catalogue plus one item nobody has bought yet, described like SKU010.
const items = readFileSync(join(root, 'tests/vectors/recommend/items.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const sku010 = items.find((i) => i.id === 'SKU010');
items.push({ id: 'COLD1', title: `${sku010.title} refill pack`, category: sku010.category, price_minor: 120, in_stock: true });
writeFileSync(join(dir, 'items.jsonl'), items.map((i) => JSON.stringify(i)).join('\n') + '\n');
const config = {
  slots: {
    emb: { size: 5, anchor: 'profile', sources: { embedding: 1 } },
    sim: { size: 5, anchor: 'context', sources: { content: 1, ease: 0.2 } },
    cat: { size: 5, anchor: 'profile', sources: { category_trending: 1 } },
    mix: { size: 8, anchor: 'profile', sources: { repeat: 1, ease: 0.25, embedding: 0.2, content: 0.1, category_trending: 0.1 } },
  },
};
writeFileSync(join(dir, 'slots.json'), JSON.stringify(config));
const bundlePath = join(dir, 'b.bin');
execFileSync(tailor, ['build-bundle', '--events', join(root, 'tests/vectors/recommend/events.jsonl'),
  '--items', join(dir, 'items.jsonl'), '--config', join(dir, 'slots.json'), '--out', bundlePath, '--lambda', '10', '--dim', '8']);
const bytes = readFileSync(bundlePath);
const core = await TailorCore.load();
const now = 1701100000000;
const view = (item, ts = 1701000000000) => ({ type: 'view', id: `v-${item}`, ts, uid: 's', item_id: item });

const requests = [
  { slot: 'emb', now, events: [view('SKU003')] },
  { slot: 'sim', now, context: ['SKU010'] },
  { slot: 'sim', now, context: ['COLD1'] },
  { slot: 'cat', now, events: [view('SKU002'), view('SKU012', 1701000100000)] },
  { slot: 'cat', now, filters: { category: 'Home' } },
  { slot: 'mix', now, events: [view('SKU001'), view('SKU010', 1701000100000)] },
];

test('the cold item is reached through content, both ways, with the anchor as reason', () => {
  const rec = Recommender.open(core, bytes);
  after(() => rec.close());
  assert.equal(rec.info.items, 41);
  const d = rec.recommend(requests[1]);
  assert.equal(d.items[0].id, 'COLD1');
  assert.deepEqual(d.items[0].reasons.find((r) => r.source === 'content').because, 'SKU010');
  const back = rec.recommend(requests[2]);
  assert.equal(back.fallback, null);
  assert.equal(back.items[0].id, 'SKU010');
});

test('embedding and category-trending reasons name the anchor and the category', () => {
  const rec = Recommender.open(core, bytes);
  after(() => rec.close());
  const e = rec.recommend(requests[0]);
  assert.ok(e.items.length > 0);
  for (const it of e.items) {
    const r = it.reasons.find((x) => x.source === 'embedding');
    assert.ok(r, it.id);
    if (it.id !== 'SKU003') assert.equal(r.because, 'SKU003');
  }
  const c = rec.recommend(requests[3]);
  const cats = new Set(c.items.map((it) => it.reasons.find((x) => x.source === 'category_trending').because));
  const expected = new Set(items.filter((i) => i.id === 'SKU002' || i.id === 'SKU012').map((i) => i.category));
  for (const cat of cats) assert.ok(expected.has(cat), cat);
  const cold = rec.recommend(requests[4]);
  assert.equal(cold.fallback, 'cold_start');
  assert.ok(cold.items.every((it) => it.reasons.some((r) => r.source === 'category_trending' && r.because === 'Home')));
});

test('new-source decisions are byte-identical to the native CLI', () => {
  const rec = Recommender.open(core, bytes);
  after(() => rec.close());
  for (const [i, req] of requests.entries()) {
    const reqPath = join(dir, `r${i}.json`);
    writeFileSync(reqPath, JSON.stringify(req));
    const native = execFileSync(tailor, ['recommend', '--bundle', bundlePath, '--request', reqPath]).toString().trim();
    assert.equal(JSON.stringify(rec.recommend(req)), JSON.stringify(JSON.parse(native)), `request ${i}`);
  }
});
