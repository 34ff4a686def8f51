// The recommender through the wasm package: bundles built by the native CLI,
// decisions byte-identical to the native `tailor recommend`, hostile bundles rejected.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TailorCore, TailorError, Recommender } from '../../build/wasm/pkg/index.mjs';

const root = new URL('../../', import.meta.url).pathname;
const tailor = join(root, 'build/native/tailor');
const dir = mkdtempSync(join(tmpdir(), 'tailor-rec-'));
const bundlePath = join(dir, 'b.bin');
execFileSync(tailor, ['build-bundle', '--events', join(root, 'tests/vectors/recommend/events.jsonl'),
  '--items', join(root, 'tests/vectors/recommend/items.jsonl'), '--out', bundlePath, '--lambda', '10']);
const bytes = readFileSync(bundlePath);
const core = await TailorCore.load();

const requests = [
  { slot: 'home', now: 1701100000000 },
  { slot: 'home', now: 1701100000000, events: [{ type: 'view', id: 'v', ts: 1701000000000, uid: 's', item_id: 'SKU003' }] },
  { slot: 'similar', now: 1701100000000, context: ['SKU010'], size: 4 },
  { slot: 'bought_together', now: 1701100000000, context: ['SKU001', 'nope'] },
  { slot: 'cart', now: 1701100000000, cart: ['SKU020', 'SKU021'], filters: { category: 'Home' } },
  { slot: 'browse', now: 1701100000000, events: [{ type: 'purchase', id: 'p', ts: 1701000000000, uid: 's', currency: 'GBP',
    items: [{ item_id: 'SKU005', price: 3.5 }] }], exclude: ['SKU006'], dislikes: ['SKU007'] },
];

test('bundle info and a decision with reasons', () => {
  const rec = Recommender.open(core, bytes);
  after(() => rec.close());
  assert.equal(rec.info.items, 40);
  assert.equal(rec.info.format_version, 4);
  assert.deepEqual(rec.info.slots, ['bought_together', 'browse', 'cart', 'home', 'post_purchase', 'similar']);
  const d = rec.recommend(requests[2]);
  assert.equal(d.slot, 'similar');
  assert.equal(d.items.length, 4);
  for (const it of d.items) {
    assert.notEqual(it.id, 'SKU010');
    assert.ok(it.reasons.length > 0);
    assert.ok(it.reasons.some((r) => r.because === 'SKU010'));
  }
  const cold = rec.recommend(requests[0]);
  assert.equal(cold.fallback, 'cold_start');
});

test('wasm decisions are byte-identical to the native CLI', () => {
  const rec = Recommender.open(core, bytes);
  for (const [i, req] of requests.entries()) {
    const reqPath = join(dir, `r${i}.json`);
    writeFileSync(reqPath, JSON.stringify(req));
    const native = execFileSync(tailor, ['recommend', '--bundle', bundlePath, '--request', reqPath]).toString().trim();
    assert.equal(JSON.stringify(rec.recommend(req)), JSON.stringify(JSON.parse(native)), `request ${i}`);
  }
  rec.close();
  assert.throws(() => rec.recommend(requests[0]), /closed/);
});

test('corrupt, truncated and wrong-version bundles are TailorErrors', () => {
  const cases = [new Uint8Array(0), bytes.subarray(0, 100), bytes.subarray(0, bytes.length - 1), Buffer.from('not a bundle at all')];
  const flipped = Buffer.from(bytes);
  flipped[200] ^= 0xff;
  cases.push(flipped);
  const newer = Buffer.from(bytes);
  newer[8] = 5;
  cases.push(newer);
  for (const c of cases) {
    assert.throws(() => Recommender.open(core, c), (e) => e instanceof TailorError && e.code === 'invalid_state');
  }
  assert.throws(() => Recommender.open(core, newer), (e) => e.where === 'header.format_version' &&
    e.message.includes('format version 5 is newer than this core (this core reads 1..4)'));
  // The module is still usable afterwards.
  const rec = Recommender.open(core, bytes);
  after(() => rec.close());
  assert.ok(rec.recommend(requests[1]).items.length > 0);
});

test('bad requests are clear errors', () => {
  const rec = Recommender.open(core, bytes);
  after(() => rec.close());
  assert.throws(() => rec.recommend({ slot: 'nope', now: 1 }), (e) => e.code === 'not_found' && e.where === 'slot');
  assert.throws(() => rec.recommend('{'), (e) => e.code === 'invalid_json');
  assert.throws(() => rec.recommend({ slot: 'home' }), (e) => e.code === 'missing_field');
  assert.throws(() => rec.recommend({ slot: 'home', now: 1, events: [{ type: 'view' }] }), (e) => e.where.startsWith('events[0]'));
});
