// The profile JS API against the wasm build, and the golden cases through
// wasm and through the native CLI (byte for byte).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tailor, TailorCore, TailorError } from '../../build/wasm/pkg/index.mjs';
import { runCli } from '../golden/profile/regen.mjs';

const core = await TailorCore.load();
const goldenDir = fileURLToPath(new URL('../golden/profile/', import.meta.url));
const cli = fileURLToPath(new URL('../../build/native/tailor', import.meta.url));
const T0 = 1700000000000;
const DAY = 86400000;

const catalog = [
  { id: 'A', title: 'Red mug', category: ['Home', 'Kitchen'], brand: 'Acme', price: 12.5, currency: 'GBP', tags: ['red'] },
  { id: 'B', title: 'Tea', category: ['Food'], brand: 'Leaf', price: 4, currency: 'GBP', tags: ['organic'] },
].map((x) => JSON.stringify(x)).join('\n');
const view = (id, ts, item) => ({ type: 'view', id, ts, uid: 'u', item_id: item });

const opened = [];
after(() => opened.forEach((t) => t.close()));
async function fresh(config = { half_life_days: 1 }) {
  const t = await Tailor.load({ catalog, config, wasm: core });
  opened.push(t);
  return t;
}

/** Feeds a golden input through the JS API, in batches the core accepts. */
async function goldenText(input) {
  const t = await Tailor.load({ catalog: input.catalog, catalogFormat: input.catalog_format,
    config: input.config, state: input.state, wasm: core });
  try {
    for (let i = 0; i < input.events.length; i += 1000) {
      const r = t.track(input.events.slice(i, i + 1000), { now: input.now });
      assert.deepEqual(r.rejected, []);
    }
    return t.profileText({ now: input.now });
  } finally {
    t.close();
  }
}

const goldens = readdirSync(goldenDir).filter((f) => f.endsWith('.in.json')).sort();

test('golden cases: wasm gives the committed bytes', async () => {
  assert.ok(goldens.length >= 8);
  for (const f of goldens) {
    const input = JSON.parse(readFileSync(goldenDir + f, 'utf8'));
    const expected = readFileSync(goldenDir + f.replace('.in.json', '.out.json'), 'utf8').trimEnd();
    assert.equal(await goldenText(input), expected, f);
  }
});

test('golden cases: the native CLI gives the same bytes', () => {
  for (const f of goldens) {
    const input = JSON.parse(readFileSync(goldenDir + f, 'utf8'));
    const expected = readFileSync(goldenDir + f.replace('.in.json', '.out.json'), 'utf8');
    assert.equal(runCli(input, cli), expected, f);
  }
});

test('track accepts good events and rejects bad ones one by one', async () => {
  const t = await fresh();
  const r = t.track([view('e1', T0, 'A'), { type: 'view', id: 'e2', ts: T0, uid: 'u' },
    { type: 'teleport', id: 'e3', ts: T0, uid: 'u' }, view('e1', T0, 'A')], { now: T0 });
  assert.equal(r.accepted, 2);
  assert.equal(r.added, 1);
  assert.deepEqual(r.rejected.map((x) => [x.code, x.where]), [['missing_field', '[1].item_id'], ['unknown_event_type', '[2].type']]);
  const p = t.profile({ now: T0 });
  assert.equal(p.events.total, 1);
  assert.deepEqual(p.affinities.brand, [{ key: 'Acme', score: 1 }]);
  const far = t.track(view('f', T0 + 2 * DAY, 'B'), { now: T0 });
  assert.equal(far.accepted, 0);
  assert.equal(far.rejected[0].code, 'invalid_field');
});

test('bad input throws TailorError and leaves the profile unchanged', async () => {
  const t = await fresh();
  t.track([view('e1', T0 - DAY, 'A'), view('e2', T0, 'B')], { now: T0 });
  const before = t.profileText({ now: T0 });
  const state = t.exportState();
  const bad = [
    () => t.track('{"type":', { now: T0 }),
    () => t.track('['.repeat(5000), { now: T0 }),
    () => t.track(Array.from({ length: 1001 }, (_, i) => view(`x${i}`, T0, 'A')), { now: T0 }),
    () => t.track(view('e9', T0, 'A'), { now: -1 }),
    () => t.track(view('e9', T0, 'A'), { now: 1.5 }),
    () => t.importState('{"version":1,"events":[{"type":"view","id":"z","ts":1,"uid":"u"}]}'),
    () => t.importState('{"version":1,"events":[],"suppressed":[{"kind":"tag","key":"' + 'k'.repeat(2000) + '"}]}'),
    () => t.importState('not json'),
    () => t.importState(JSON.stringify({ version: 1, events: [view('n', NaN, 'A')] })),
    () => t.deleteTag('mood', 'x'),
    () => t.deleteTag('tag', ''),
    () => t.profile({ now: -5 }),
  ];
  for (const fn of bad) {
    assert.throws(fn, (e) => e instanceof TailorError && e instanceof Error && typeof e.code === 'string' && e.message.length > 0);
  }
  const huge = t.track({ type: 'search', id: 's', ts: T0, uid: 'u', query: 'q'.repeat(1 << 20) }, { now: T0 });
  assert.equal(huge.rejected[0].code, 'limit_exceeded');
  assert.equal(t.profileText({ now: T0 }), before);
  assert.equal(t.exportState(), state);
});

test('load rejects a bad catalog or config with a clear error', async () => {
  const cases = [
    [{ catalog: '{"id":"A","price":-1,"currency":"GBP"}' }, 'invalid_field', 'line 1: price'],
    [{ catalog: 'id,price,currency\nA,NaN,GBP\n', catalogFormat: 'csv' }, 'invalid_field', '2:3'],
    [{ catalog: 'id,price,currency\nA,1,GBP\nA,2,GBP\n', catalogFormat: 'csv' }, 'duplicate_id', '3:1'],
    [{ catalog, catalogFormat: 'xml' }, 'invalid_field', 'catalogFormat'],
    [{ catalog, config: { half_life_days: -1 } }, 'invalid_config', 'half_life_days'],
    [{ catalog, config: '{"weights":' }, 'invalid_json', 'byte 12'],
  ];
  for (const [opts, code, where] of cases) {
    await assert.rejects(Tailor.load({ ...opts, wasm: core }), (e) => e instanceof TailorError && e.code === code && e.where === where);
  }
});

test('deleted tags vanish, stay deleted through export/import, and merge', async () => {
  const a = await fresh();
  a.track([view('e1', T0, 'A'), view('e2', T0, 'B')], { now: T0 });
  a.deleteTag('tag', 'red');
  a.deleteTag('category', 'Home');
  const p = a.profile({ now: T0 });
  assert.deepEqual(p.affinities.tag.map((x) => x.key), ['organic']);
  assert.deepEqual(p.affinities.category.map((x) => x.key), ['Food']);
  assert.deepEqual(p.suppressed, [{ kind: 'category', key: 'Home' }, { kind: 'tag', key: 'red' }]);
  const b = await fresh();
  b.track([view('e1', T0, 'A'), view('e3', T0 - 10, 'A')], { now: T0 });
  b.importState(a.exportState());
  a.importState(b.exportState());
  assert.equal(a.profileText({ now: T0 }), b.profileText({ now: T0 }));
  assert.equal(a.profile({ now: T0 }).events.total, 3);
  assert.equal(a.profile({ now: T0 }).affinities.tag.length, 1);
});

test('non-personalized mode and close()', async () => {
  const t = await fresh();
  t.track(view('e1', T0, 'A'), { now: T0 });
  t.setPersonalized(false, { now: T0 });
  const p = t.profile({ now: T0 });
  assert.equal(p.personalized, false);
  assert.equal(p.reason, 'opted_out');
  assert.equal(p.affinities, undefined);
  assert.deepEqual(t.segments({ now: T0 }), []);
  t.setPersonalized(true, { now: T0 + 1 });
  assert.equal(t.profile({ now: T0 }).personalized, true);
  t.close();
  t.close();
  assert.throws(() => t.profile({ now: T0 }), (e) => e.code === 'invalid_state');
});

test('many engines can be created and freed without leaking the module', async () => {
  for (let i = 0; i < 200; i++) {
    const t = await fresh();
    t.track(view(`e${i}`, T0, 'A'), { now: T0 });
    t[Symbol.dispose]();
  }
  const t = await fresh();
  assert.equal(t.profile({ now: T0 }).events.total, 0);
});

test('tailor profile --uid folds only the linked shopper, as wasm does', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/tailor-cli-`);
  try {
    const events = [
      { type: 'view', id: '1', ts: T0 - 10, uid: 'anon', item_id: 'A' },
      { type: 'identify', id: '2', ts: T0 - 9, uid: 'alice', previous_uid: 'anon' },
      { type: 'view', id: '3', ts: T0 - 8, uid: 'alice', item_id: 'B' },
      { type: 'view', id: '4', ts: T0 - 7, uid: 'bob', item_id: 'B' },
    ];
    writeFileSync(`${dir}/c.jsonl`, catalog);
    writeFileSync(`${dir}/e.jsonl`, events.map((e) => JSON.stringify(e)).join('\n') + '\n{broken\n');
    const run = (...extra) => execFileSync(cli, ['profile', '--catalog', `${dir}/c.jsonl`, '--events', `${dir}/e.jsonl`,
      '--now', String(T0), ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const out = run('--uid', 'alice');
    const t = await fresh({});
    t.track(events.slice(0, 3), { now: T0 });
    assert.equal(out, t.profileText({ now: T0 }) + '\n');
    assert.deepEqual(JSON.parse(out).identities.uids, ['alice', 'anon']);
    assert.throws(() => run('--strict'), (e) => e.status === 1 && /line 5/.test(e.stderr));
    const bare = (...a) => execFileSync(cli, ['profile', ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.throws(() => bare('--catalog', `${dir}/c.jsonl`, '--events', `${dir}/e.jsonl`, '--now', 'soon'), (e) => e.status === 2);
    assert.throws(() => bare('--catalog', `${dir}/missing.csv`, '--events', `${dir}/e.jsonl`, '--now', '1'),
      (e) => e.status === 1 && /cannot read/.test(e.stderr));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('segments() lists the rules a shopper matches; deleting one keeps them out', async () => {
  const t = await fresh({
    segments: [
      { id: 'mug_people', name: 'Mug people', condition: { 'affinities.tag': { $elemMatch: { key: 'red' } } } },
      { id: 'tea_people', condition: { 'affinities.brand': { $elemMatch: { key: 'Leaf' } } } },
      { id: 'buyers', condition: { 'rfm.frequency': { $gte: 1 } } },
    ],
  });
  t.track([view('e1', T0, 'A'), view('e2', T0, 'B')], { now: T0 });
  assert.deepEqual(t.segments({ now: T0 }), [{ id: 'mug_people', name: 'Mug people' }, { id: 'tea_people', name: 'tea_people' }]);
  t.deleteTag('segment', 'tea_people');
  t.deleteTag('tag', 'red');
  assert.deepEqual(t.segments({ now: T0 }), []);
  await assert.rejects(Tailor.load({ catalog, wasm: core, config: { segments: [{ id: 'x', condition: 'vip' }] } }),
    (e) => e.code === 'invalid_condition' && e.where === 'segments[0].condition');
});
