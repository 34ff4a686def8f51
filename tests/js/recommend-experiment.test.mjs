// A/B tests of recommenders: the slot's configuration is the variation the
// shopper is assigned. Through the wasm package, the assignment must equal
// @growthbook/growthbook's for the same definition and user, and each
// variation must serve exactly its own configuration.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GrowthBook } from '@growthbook/growthbook';
import { TailorCore, Recommender, TailorError } from '../../build/wasm/pkg/index.mjs';
import { features } from '../runtimes/make-recommend-goldens.mjs';

const bytes = readFileSync(new URL('../golden/recommend-experiment/bundle.bin', import.meta.url));
const spec = JSON.parse(readFileSync(new URL('../golden/recommend-experiment/variation-0.in.json', import.meta.url), 'utf8'));
const history = spec.request.events;
const now = spec.request.now;
const core = await TailorCore.load();
const rec = Recommender.open(core, bytes);
after(() => rec.close());

const sdk = (attributes, defs = features) => {
  const gb = new GrowthBook({ attributes, features: defs });
  try { return gb.evalFeature('home-recs'); } finally { gb.destroy(); }
};
const home = (extra) => rec.recommend({ slot: 'home', now, events: history, ...extra });

test('the variation of every shopper equals @growthbook/growthbook\'s', () => {
  const itemsOf = new Map();
  const counts = [0, 0, 0];
  for (let i = 0; i < 600; i++) {
    // Plain, Unicode and emoji ids: GrowthBook hashes UTF-16 code units.
    const uid = [`u${i}`, `用户${i}`, `👩‍💻${i}`][i % 3];
    const want = sdk({ id: uid });
    const d = home({ experiment_context: { attributes: { id: uid } } });
    const x = d.experiment;
    assert.equal(x.variation_id, want.experimentResult.variationId, uid);
    assert.equal(x.variation_key, want.experimentResult.key, uid);
    assert.equal(x.in_experiment, want.experimentResult.inExperiment, uid);
    assert.equal(x.experiment_key, 'recs-home');
    assert.equal(x.exposure.dedupeKey, `id${uid}recs-home${x.variation_id}`);
    counts[x.variation_id]++;
    // One configuration per variation: shoppers with the same history see the same items.
    const ids = JSON.stringify(d.items.map((it) => it.id));
    if (!itemsOf.has(x.variation_id)) itemsOf.set(x.variation_id, ids);
    assert.equal(ids, itemsOf.get(x.variation_id), `${uid} (variation ${x.variation_id})`);
  }
  assert.ok(counts.every((c) => c > 150), `every variation is used: ${counts}`);
  assert.equal(new Set(itemsOf.values()).size, 3, 'the three configurations recommend differently');
});

test('each variation serves its configuration: a named slot, a patch, the control', () => {
  const byVariation = new Map();
  for (let i = 0; byVariation.size < 3; i++) {
    const v = sdk({ id: `s${i}` }).experimentResult.variationId;
    if (!byVariation.has(v)) byVariation.set(v, `s${i}`);
  }
  const trending = rec.recommend({ slot: 'home_trending', now, events: history });
  const v1 = home({ experiment_context: { attributes: { id: byVariation.get(1) } } });
  assert.equal(v1.slot, 'home');
  assert.deepEqual(v1.items, trending.items);
  assert.equal(v1.experiment.config, 'slot:home_trending');
  const v2 = home({ experiment_context: { attributes: { id: byVariation.get(2) } } });
  assert.equal(v2.items.length, 4);
  assert.equal(v2.experiment.config, 'override');
  for (const it of v2.items) assert.deepEqual(it.reasons.map((r) => r.source).filter((s) => s !== 'repeat' && s !== 'ease'), ['embedding']);
  const v0 = home({ experiment_context: { attributes: { id: byVariation.get(0) } } });
  assert.equal(v0.items.length, 6);
  assert.equal(v0.experiment.config, 'default');
});

test('an assignment made by the SDK (e.g. at the edge) gives the same decision as the core assigning', () => {
  for (let i = 0; i < 60; i++) {
    const uid = `edge-${i}`;
    const fromSdk = JSON.parse(JSON.stringify(sdk({ id: uid })));
    assert.deepEqual(home({ assignments: { 'home-recs': fromSdk } }).items,
      home({ experiment_context: { attributes: { id: uid } } }).items);
  }
});

test('a broken assignment serves the control with a warning, never an error', () => {
  const control = home({});
  for (const value of [5, true, [1], 'no_such_slot', { size: 0 }, { sources: { nope: 1 } }]) {
    const fr = JSON.parse(JSON.stringify(sdk({ id: 's1' })));
    fr.value = value;
    const d = home({ assignments: { 'home-recs': fr } });
    assert.deepEqual(d.items, control.items, JSON.stringify(value));
    assert.equal(d.experiment.config, 'default');
    assert.equal(d.experiment.exposure, null);
    assert.match(d.warnings[0], /^experiment "home-recs": /);
  }
  const bad = home({ experiment_context: { attributes: 'x' } });
  assert.equal(bad.experiment.source, 'error');
  assert.deepEqual(bad.items, control.items);
  assert.throws(() => rec.recommend({ slot: 'home', now, experiment_contxt: {} }),
    (e) => e instanceof TailorError && e.code === 'unknown_field');
});
