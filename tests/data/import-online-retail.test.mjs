// `tailor import-online-retail`: the real UCI file, and hand-made CSVs for
// cancellations, splitting, guests and hostile input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readJsonLines, tailor, tempDir } from './helpers.mjs';

// The shared copy of the data set (see ../shared/data/online-retail/README.md).
const source = process.env.TAILOR_ONLINE_RETAIL ?? '/work/shared/data/online-retail/online_retail.csv.gz';
const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

function importCsv(rows, { gzip = false, extra = [], header: head = header } = {}) {
  const dir = tempDir('retail');
  const text = [head, ...rows].join('\n') + '\n';
  const file = join(dir, gzip ? 'in.csv.gz' : 'in.csv');
  writeFileSync(file, gzip ? gzipSync(text) : text);
  const out = join(dir, 'out');
  const r = tailor('import-online-retail', '--in', file, '--out', out, ...extra);
  const load = (f) => (existsSync(join(out, f)) ? readJsonLines(join(out, f)) : null);
  return { ...r, out, catalog: load('catalog.jsonl'), events: load('events.jsonl'),
    manifest: existsSync(join(out, 'manifest.json')) ? JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) : null };
}

describe('the real UCI Online Retail file', () => {
  const out = tempDir('uci');
  const r = tailor('import-online-retail', '--in', source, '--out', out);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const catalog = readJsonLines(join(out, 'catalog.jsonl'));
  const events = readJsonLines(join(out, 'events.jsonl'));
  const byId = new Map(catalog.map((it) => [it.id, it]));

  test('imports all 541,909 rows', () => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(manifest.rows, 541909);
    assert.equal(manifest.products, catalog.length);
    assert.equal(manifest.purchase_events, events.length);
    assert.ok(catalog.length > 3500 && catalog.length <= 4070, `${catalog.length} products`);
    assert.ok(manifest.customers > 4000 && manifest.customers <= 4372);
  });
  test('the catalog loader of the core accepts the catalog', () => {
    const v = tailor('validate-catalog', join(out, 'catalog.jsonl'));
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^${catalog.length} items, `));
  });
  test('every event is valid for the core', () => {
    const v = tailor('validate-events', join(out, 'events.jsonl'));
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), `${events.length} valid, 0 rejected`);
  });
  test('the first invoice becomes the expected purchase', () => {
    const e = events.find((x) => x.id === 'inv-536365');
    assert.deepEqual(e, {
      currency: 'GBP', id: 'inv-536365', order_id: '536365', ts: Date.UTC(2010, 11, 1, 8, 26), type: 'purchase',
      uid: 'c-17850', items: [
        { item_id: '85123A', price: 2.55, quantity: 6 }, { item_id: '71053', price: 3.39, quantity: 6 },
        { item_id: '84406B', price: 2.75, quantity: 8 }, { item_id: '84029G', price: 3.39, quantity: 6 },
        { item_id: '84029E', price: 3.39, quantity: 6 }, { item_id: '22752', price: 7.65, quantity: 2 },
        { item_id: '21730', price: 4.25, quantity: 6 }],
    });
  });
  test('a purchase cancelled in full (80,995 units of 23843 on 2011-12-09) leaves no event', () => {
    assert.equal(events.find((x) => x.order_id === '581483'), undefined);
    assert.ok(manifest.invoices_emptied_by_cancellations > 0);
    assert.ok(!events.some((x) => x.order_id.startsWith('C')));
  });
  test('items have titles, GBP prices, keyword categories and tags', () => {
    const heart = byId.get('85123A');
    assert.equal(heart.title, 'White Hanging Heart T-Light Holder');
    assert.deepEqual(heart.category, ['Lighting & Candles', 'Candles & Holders']);
    assert.ok(heart.tags.includes('heart') && heart.tags.includes('white'));
    assert.equal(heart.currency, 'GBP');
    assert.equal(heart.price, 2.95, 'the most frequent unit price');
    const other = catalog.filter((it) => it.category[1] === 'Other Gifts').length;
    assert.ok(other / catalog.length < 0.1, `${other} uncategorised`);
    for (const e of events) for (const l of e.items) assert.ok(byId.has(l.item_id), l.item_id);
  });
  test('invoices over 200 lines are split into events sharing the order id', () => {
    const parts = events.filter((x) => /^inv-\d+-2$/.test(x.id));
    assert.ok(parts.length > 0);
    for (const p of parts) {
      const head = events.find((x) => x.id === p.id.slice(0, -2));
      assert.equal(head.items.length, 200);
      assert.equal(head.order_id, p.order_id);
    }
  });
});

describe('hand-made files', () => {
  test('cancellations take quantity back from the latest earlier purchase', () => {
    const r = importCsv([
      '1001,22001,RED MUG,10,2011-01-01 10:00,1.50,123,United Kingdom',
      '1002,22001,RED MUG,5,2011-01-02 10:00,1.50,123,United Kingdom',
      '1003,22002,"BLUE ""SPOTTY"" BOWL",2,2011-01-02 11:00,3,123,France',
      'C1004,22001,RED MUG,-7,2011-01-03 10:00,1.50,123,United Kingdom',
      'C1005,22002,BLUE BOWL,-2,2011-01-01 09:00,3,123,France',  // before the purchase: unmatched
      'C1006,22002,BLUE BOWL,-2,2011-01-05 09:00,3,,France',      // a guest: unmatched
    ]);
    assert.equal(r.code, 0, r.stderr);
    const q = Object.fromEntries(r.events.map((e) => [e.id, e.items.map((l) => l.quantity)]));
    assert.deepEqual(q, { 'inv-1001': [8], 'inv-1003': [2] }, 'inv-1002 (5) is emptied, inv-1001 loses 2');
    assert.equal(r.manifest.cancellation_lines_matched, 1);
    assert.equal(r.manifest.cancellation_lines_unmatched, 1);
    assert.equal(r.manifest.skipped_lines.cancellation_by_guest, 1);
    assert.equal(r.manifest.invoices_emptied_by_cancellations, 1);
    assert.equal(r.catalog.find((it) => it.id === '22002').title, 'Blue "Spotty" Bowl');
  });
  test('gzip input, guests, fees and adjustments', () => {
    const rows = [
      '2001,85123a,WHITE HEART,6,2011-05-01 08:00,2.55,,United Kingdom',
      '2001,POST,POSTAGE,1,2011-05-01 08:00,18,,United Kingdom',
      '2002,85123A,WHITE HEART,-3,2011-05-01 09:00,2.55,555,United Kingdom',
      '2003,85123A,,4,2011-05-01 09:00,0,555,United Kingdom',
    ];
    const r = importCsv(rows, { gzip: true });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.events.map((e) => [e.id, e.uid]), [['inv-2001', 'g-2001']]);
    assert.equal(r.catalog[0].id, '85123A', 'stock codes are upper-cased');
    assert.deepEqual(r.manifest.skipped_lines,
      { not_a_product: 1, adjustment_quantity_not_positive: 1, adjustment_price_not_positive: 1 });
    const noGuests = importCsv(rows, { extra: ['--no-guests'] });
    assert.equal(noGuests.events.length, 0);
    assert.equal(noGuests.manifest.skipped_lines.guest_skipped, 1);
  });
  test('200 lines stay one event; 201 lines become two', () => {
    const lines = (n, inv) => Array.from({ length: n }, (_, i) =>
      `${inv},${String(30000 + i)},ITEM ${i},1,2011-06-01 12:00,1.00,777,United Kingdom`);
    const r = importCsv([...lines(200, 3001), ...lines(201, 3002)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.events.map((e) => [e.id, e.items.length]),
      [['inv-3001', 200], ['inv-3002', 200], ['inv-3002-2', 1]]);
  });
  test('prices round half up to pence; a price under half a penny is an adjustment', () => {
    const r = importCsv([
      '4001,40001,A,1,2011-06-01 12:00,0.125,1,UK',
      '4001,40002,B,1,2011-06-01 12:00,0.004,1,UK',
      '4001,40003,C,1,2011-06-01 12:00,12,1,UK',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.catalog.map((it) => [it.id, it.price]), [['40001', 0.13], ['40003', 12]]);
  });
});

describe('hostile input is an error naming line and column, and writes nothing', () => {
  const fails = (rows, pattern, rawHeader) => {
    const dir = tempDir('bad');
    const file = join(dir, 'in.csv');
    writeFileSync(file, [rawHeader ?? header, ...rows].join('\n'));
    const r = tailor('import-online-retail', '--in', file, '--out', join(dir, 'out'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, pattern);
    assert.ok(!existsSync(join(dir, 'out', 'events.jsonl')), 'no partial output');
  };
  test('a missing column', () => fails([], /1:1: invalid_csv: the header has no column CustomerID/,
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country'));
  test('an unterminated quote', () => fails(['1,22001,"RED MUG,1,2011-01-01 10:00,1,1,UK'],
    /invalid_csv: unterminated quoted field/));
  test('a stray quote', () => fails(['1,22001,RED "MUG",1,2011-01-01 10:00,1,1,UK'],
    /2:13: invalid_csv: quote inside an unquoted field/));
  test('too few fields', () => fails(['1,22001,RED MUG,1'], /2:1: invalid_csv: expected 8 fields, got 4/));
  test('a quantity that is not an integer', () => fails(['1,22001,RED MUG,1.5,2011-01-01 10:00,1,1,UK'],
    /2:17: invalid_field: Quantity is not an integer/));
  test('an impossible date', () => fails(['1,22001,RED MUG,1,2011-02-29 10:00,1,1,UK'],
    /2:19: invalid_field: InvoiceDate is not YYYY-MM-DD HH:MM/));
  test('a price that is not a number', () => fails(['1,22001,RED MUG,1,2011-01-01 10:00,1e3,1,UK'],
    /2:36: invalid_field: UnitPrice is not a decimal number/));
  test('limits hold at N and fail at N+1: a field of 1024 bytes, 1024 fields', () => {
    const row = (desc, country = 'UK') => `1,22001,${desc},1,2011-01-01 10:00,1,1,${country}`;
    assert.equal(importCsv([row('X'.repeat(1024))]).code, 0);
    assert.equal(importCsv([row('"X""' + 'X'.repeat(1021) + '"')]).code, 0, 'quoted: 1024 bytes after unescaping');
    fails([row('X'.repeat(1025))], /2:9: invalid_csv: field longer than 1024 bytes/);
    fails([row('Y', 'C'.repeat(1025))], /invalid_csv: field longer than 1024 bytes/);
    const extra = (n) => Array.from({ length: n }, (_, i) => `x${i}`).join(',');
    const blanks = (n) => ','.repeat(n);
    const wide = (n) => [`${header},${extra(n)}`, `${row('Y')}${blanks(n)}`];
    // 1024 fields pass the CSV reader; the evaluation split (same command) then wants the exact
    // eight-column header. 1025 fields stop in the reader.
    fails(wide(1016).slice(1), /1:1: invalid_csv: header must be InvoiceNo,/, wide(1016)[0]);
    fails(wide(1017).slice(1), /1:\d+: invalid_csv: more than 1024 fields/, wide(1017)[0]);
  });
  test('a missing input file and a missing --out', () => {
    const r = tailor('import-online-retail', '--in', '/nonexistent.csv.gz', '--out', tempDir('x'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot open \/nonexistent.csv.gz/);
    assert.equal(tailor('import-online-retail', '--in', 'x').code, 2);
  });
  test('a truncated gzip file', () => {
    const dir = tempDir('trunc');
    const gz = gzipSync(`${header}\n${'1,22001,RED MUG,1,2011-01-01 10:00,1,1,UK\n'.repeat(2000)}`);
    writeFileSync(join(dir, 'in.csv.gz'), gz.subarray(0, gz.length >> 1));
    const r = tailor('import-online-retail', '--in', join(dir, 'in.csv.gz'), '--out', join(dir, 'out'));
    assert.equal(r.code, 1);
    assert.ok(!existsSync(join(dir, 'out', 'events.jsonl')));
  });
});
