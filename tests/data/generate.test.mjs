// `tailor generate`: deterministic bytes, valid canonical events, and the
// shape of a real store (funnels, sessions, popularity skew, category tree).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TailorCore } from '../../build/wasm/pkg/index.mjs';
import { readJsonLines, readLines, tailor, tempDir } from './helpers.mjs';

const small = ['--items', '400', '--shoppers', '1500', '--days', '14'];
const gen = (seed, extra = small) => {
  const out = tempDir('gen');
  const r = tailor('generate', '--seed', String(seed), '--out', out, ...extra);
  assert.equal(r.code, 0, r.stderr);
  return out;
};
const a = gen(42);
const files = ['catalog.jsonl', 'events.jsonl', 'manifest.json'];
const read = (dir, f) => readFileSync(join(dir, f));

describe('determinism', () => {
  test('the same seed gives byte-identical files', () => {
    const b = gen(42);
    for (const f of files) assert.ok(read(a, f).equals(read(b, f)), `${f} differs between two runs`);
  });
  test('another seed gives another store', () => {
    const c = gen(43);
    assert.ok(!read(a, 'events.jsonl').equals(read(c, 'events.jsonl')));
    assert.ok(!read(a, 'catalog.jsonl').equals(read(c, 'catalog.jsonl')));
  });
});

const catalog = readJsonLines(join(a, 'catalog.jsonl'));
const eventLines = readLines(join(a, 'events.jsonl'));
const events = eventLines.map((l) => JSON.parse(l));
const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'));
const byId = new Map(catalog.map((it) => [it.id, it]));

describe('validity', () => {
  test('every event passes decode_event_lines (tailor validate-events)', () => {
    const r = tailor('validate-events', join(a, 'events.jsonl'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${events.length} valid, 0 rejected`);
  });
  test('every event line is already canonical (the wasm core re-encodes it unchanged)', async () => {
    const core = await TailorCore.load();
    for (const line of eventLines) assert.equal(core.raw.decodeEvent(line), `{"ok":true,"value":${line}}`);
  });
  test('events are ordered by time, ids are unique', () => {
    const ids = new Set();
    for (let i = 0; i < events.length; i++) {
      if (i) assert.ok(events[i - 1].ts <= events[i].ts, `event ${i} goes back in time`);
      assert.ok(!ids.has(events[i].id), `duplicate id ${events[i].id}`);
      ids.add(events[i].id);
    }
    assert.equal(events.length, manifest.events);
  });
  test('the catalog loader of the core accepts the catalog', () => {
    const r = tailor('validate-catalog', join(a, 'catalog.jsonl'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^400 items, \d+ categories, \d+ brands, \d+ tags\n$/);
    assert.equal(Number(r.stdout.match(/(\d+) brands/)[1]), new Set(catalog.map((it) => it.brand)).size);
  });
  test('catalog items are complete and within the core limits', () => {
    assert.equal(catalog.length, 400);
    assert.equal(byId.size, 400);
    for (const it of catalog) {
      assert.match(it.id, /^sku-\d{5}$/);
      assert.ok(it.title.length > 5 && it.title.startsWith(it.brand));
      assert.ok(it.category.length >= 2 && it.category.length <= 8);
      assert.ok(Number.isInteger(Math.round(it.price * 100)) && it.price > 0);
      assert.equal(Math.round(it.price * 100) / 100, it.price, 'price has at most two decimals');
      assert.equal(it.currency, 'GBP');
      assert.ok(Number.isInteger(it.stock) && it.stock >= 0);
      assert.equal(new Set(it.tags).size, it.tags.length);
      assert.ok(it.tags.length <= 64);
      for (const v of Object.values(it.attributes)) assert.equal(typeof v, 'string');
      assert.deepEqual(Object.keys(it).sort(),
        ['attributes', 'brand', 'category', 'currency', 'id', 'price', 'stock', 'tags', 'title']);
    }
  });
  test('every referenced item exists; purchases use catalog prices', () => {
    for (const e of events) {
      const ids = e.item_id ? [e.item_id] : e.item_ids ?? (e.items ?? []).map((l) => l.item_id);
      for (const id of ids) assert.ok(byId.has(id), `${e.id} references unknown ${id}`);
      for (const l of e.items ?? []) assert.equal(l.price, byId.get(l.item_id).price);
    }
  });
});

describe('shape of the store', () => {
  const count = (t) => events.filter((e) => e.type === t).length;
  test('funnel: impressions > clicks = views > carts > purchases, at plausible rates', () => {
    const [imp, click, view, cart, buy] = ['impression', 'click', 'view', 'add_to_cart', 'purchase'].map(count);
    assert.equal(click, view, 'every click opens the product page');
    assert.ok(imp > 0.5 * click && cart > 0 && buy > 0);
    const cartRate = cart / view;
    assert.ok(cartRate > 0.04 && cartRate < 0.25, `add-to-cart rate ${cartRate}`);
    const conversion = buy / manifest.sessions;
    assert.ok(conversion > 0.02 && conversion < 0.2, `session conversion ${conversion}`);
    assert.ok(count('search') > 0.15 * manifest.sessions, 'searches start many sessions');
    assert.deepEqual(manifest.event_counts, Object.fromEntries(
      Object.keys(manifest.event_counts).map((t) => [t, count(t)])));
  });
  test('each shopper consents first; sessions repeat; identify links an earlier anonymous id', () => {
    const seen = new Set();
    const shoppers = new Map();
    for (const e of events) {
      const shopper = e.id.split('-')[1];
      if (!shoppers.has(shopper)) {
        assert.equal(e.type, 'consent', `${shopper} starts with ${e.type}`);
        shoppers.set(shopper, new Set());
      }
      shoppers.get(shopper).add(e.id.split('-')[2]);
      if (e.type === 'identify') {
        assert.ok(seen.has(e.previous_uid), `${e.id}: previous_uid never seen`);
        assert.match(e.uid, /^c-\d{6}$/);
      }
      seen.add(e.uid);
    }
    assert.equal(shoppers.size, 1500);
    const sessions = [...shoppers.values()].reduce((n, s) => n + s.size, 0);
    assert.equal(sessions, manifest.sessions);
    assert.ok(sessions / shoppers.size > 1.5, 'shoppers come back');
    const identified = count('identify') / shoppers.size;
    assert.ok(identified > 0.2 && identified < 0.5, `share with accounts ${identified}`);
  });
  test('popularity is skewed: the top 10% of items get over a third of the views', () => {
    const views = new Map();
    for (const e of events) if (e.type === 'view') views.set(e.item_id, (views.get(e.item_id) ?? 0) + 1);
    const sorted = [...views.values()].sort((x, y) => y - x);
    const total = sorted.reduce((s, v) => s + v, 0);
    const top = sorted.slice(0, Math.ceil(catalog.length / 10)).reduce((s, v) => s + v, 0);
    assert.ok(top / total > 0.33, `top decile share ${top / total}`);
  });
  test('a three-level category tree in nine departments, brands with price tiers', () => {
    const depts = new Set(catalog.map((it) => it.category[0]));
    assert.equal(depts.size, 9);
    assert.deepEqual([...depts].sort(), [...manifest.departments].sort());
    const leaves = new Set(catalog.map((it) => it.category.join('>')));
    assert.equal(leaves.size, 44, 'every leaf has items when items >= leaves');
    // Within a leaf, the dearest brand costs well over the cheapest one.
    const laptops = catalog.filter((it) => it.category.at(-1) === 'Laptops').map((it) => it.price);
    assert.ok(Math.max(...laptops) > 1.8 * Math.min(...laptops));
  });
  test('sessions stay inside the requested window', () => {
    assert.equal(manifest.end_ms - manifest.start_ms, 14 * 86400000);
    assert.ok(events[0].ts >= manifest.start_ms);
    assert.ok(events.at(-1).ts < manifest.end_ms + 86400000, 'the last session starts before the end');
  });
});

describe('options are checked', () => {
  const bad = (args, pattern) => {
    const r = tailor('generate', '--out', tempDir('bad'), ...args);
    assert.equal(r.code, 2);
    assert.match(r.stderr, pattern);
  };
  test('items: 1 works, 0 and 1000001 are refused', () => {
    const out = tempDir('one');
    assert.equal(tailor('generate', '--items', '1', '--shoppers', '20', '--out', out).code, 0);
    assert.equal(readLines(join(out, 'catalog.jsonl')).length, 1);
    assert.equal(tailor('validate-events', join(out, 'events.jsonl')).code, 0);
    bad(['--items', '0'], /--items must be an integer between 1 and 1000000/);
    bad(['--items', '1000001'], /--items must be an integer between 1 and 1000000/);
  });
  test('non-numbers, negative seeds, unknown currencies and a missing --out are refused', () => {
    bad(['--seed', 'abc'], /--seed/);
    bad(['--seed', '-1'], /--seed/);
    bad(['--shoppers', '12x'], /--shoppers/);
    bad(['--days', '0'], /--days/);
    bad(['--currency', 'XXX', '--items', '5', '--shoppers', '1'], /--currency: must be one of GBP, EUR, USD/);
    const r = tailor('generate', '--seed', '1');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: tailor generate/);
  });
});
