// The JS API of copy against the wasm build: compile once / render many,
// errors with line:col, preview per platform, checks, variants, and SMS
// segments diffed live against sms-segments-calculator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailorCore, TailorError, Copy } from '../../build/wasm/pkg/index.mjs';
import { segmentsOf, smsMessages } from '../oracles/sms-oracle.mjs';

const core = await TailorCore.load();
const copy = new Copy(core);

test('compile once, render many, with objects, JSON text and bound data', () => {
  const t = copy.compile('Hi {{ shopper.first_name | default: "friend" }}, {{ product.price | money }}');
  assert.deepEqual(t.variables, ['product', 'shopper']);
  assert.equal(t.render({ shopper: { first_name: 'Ana' }, product: { price: 1250 } }).text, 'Hi Ana, $12.50');
  const r = t.render('{"product":{"price":129900}}', { locale: 'zh-CN', currency: 'CNY' });
  assert.equal(r.text, 'Hi friend, ¥1,299.00');
  assert.deepEqual(r.defaulted, ['shopper.first_name']);
  const d = copy.data({ shopper: { first_name: '小明' }, product: { price: 5 } });
  for (let k = 0; k < 3; ++k) assert.equal(copy.render(t, d).text, 'Hi 小明, $0.05');
  assert.equal(t.renderText(d), 'Hi 小明, $0.05');
  assert.equal(t.renderText({ product: { price: 1 } }), 'Hi friend, $0.01');
  assert.throws(() => copy.compile('{{ 1 | divided_by: 0 }}').renderText(d), (e) => e.code === 'invalid_field' && e.where === '1:8');
  d.close();
  t.close();
  assert.throws(() => t.render({}), /closed/);
});

test('parse and render errors are TailorError with line:col', () => {
  assert.throws(() => copy.compile('line one\n{% if x %}never closed'), (e) =>
    e instanceof TailorError && e.code === 'invalid_field' && e.where === '2:1' && /not closed/.test(e.message));
  assert.throws(() => copy.compile('{{ x | frobnicate }}'), (e) => e.code === 'invalid_field' && e.where === '1:8');
  const t = copy.compile('{{ "abc" | plus: 1 }}');
  assert.throws(() => t.render({}), (e) => e.code === 'invalid_field' && e.where === '1:12');
  t.close();
  assert.throws(() => copy.compile('x'.repeat(10 << 20)), (e) => e.code === 'limit_exceeded');
  assert.throws(() => copy.compile('{{ x }}').render('{"a":'), (e) => e.code === 'invalid_json');
  assert.throws(() => copy.compile('x').render({}, { locale: 'fr' }), (e) => e.code === 'invalid_field' && e.where === 'options.locale');
  assert.throws(() => copy.compile('x').render({}, { limits: { steps: -1 } }), (e) => e.where === 'options.limits.steps');
});

test('render budgets are deterministic and reported', () => {
  const t = copy.compile('{% for i in (1..1000000000) %}{% endfor %}');
  assert.throws(() => t.render({}, { limits: { loop_iterations: 10 } }), (e) => e.code === 'limit_exceeded' && e.where === '1:1');
  const u = copy.compile(
    "{% assign names = shoppers | map: 'name' | sort %}{% for n in names %}{{ n | upcase | append: '!' }}" +
    "{% if forloop.last %}.{% else %}, {% endif %}{% endfor %} {{ total | times: 3 | money }}");
  const r = u.render({ shoppers: [{ name: 'b' }, { name: 'a' }, { name: 'c' }], total: 1250 });
  assert.equal(r.text, 'A!, B!, C!. $37.50');
  assert.equal(r.steps, 30); // same budget use as the native Catch2 test
  assert.equal(r.memory_bytes, 486);
  assert.throws(() => u.render({ shoppers: [], total: 1 }, { limits: { steps: 3 } }), (e) => e.code === 'limit_exceeded');
});

test('preview renders for a shopper and a platform', () => {
  const p = copy.preview('{{ shopper.first_name }}，全网最低价咖啡豆，立即抢购！', { first_name: '小明' }, 'google_ads_rsa.headline');
  assert.equal(p.rendered, '小明，全网最低价咖啡豆，立即抢购！');
  assert.equal(p.truncated, true);
  assert.ok(p.length <= 30);
  assert.equal(p.hits[0].term, '全网最低');
  assert.ok(p.score <= 2.5);
  assert.equal(p.parts.length, 7);
  const s = copy.preview('Hi {{ shopper.first_name }}, your cart is waiting. Shop now', { shopper: { first_name: 'Ana' } }, 'sms');
  assert.deepEqual([s.segments, s.sms.encoding, s.truncated], [1, 'GSM-7', false]);
  assert.throws(() => copy.preview('x', {}, 'myspace'), (e) => e.code === 'not_found');
});

test('check, variants, platforms and truncate', () => {
  const c = copy.check('Our tea cures colds', { platform: 'email_subject', lexicon: [{ term: 'tea', severity: 'low' }] });
  assert.deepEqual(c.hits.map((h) => h.term), ['tea', 'cures']);
  assert.equal(c.graphemes, 19);
  const v = copy.variants('[[Shop|Try|Discover]] {{ p }}[[| today| now]]', { p: 'Kenya AA' }, 'google_ads_rsa.headline', 5);
  assert.equal(v.length, 5);
  assert.equal(new Set(v.map((x) => x.text)).size, 5);
  for (let k = 1; k < v.length; ++k) assert.ok(v[k - 1].score >= v[k].score);
  const ids = copy.platforms().map((p) => p.id);
  for (const id of ['google_ads_rsa', 'meta', 'sms', 'push_apns', 'push_fcm', 'email_subject', 'email_preheader',
    'wechat_article', 'weibo', 'xiaohongshu', 'banner']) assert.ok(ids.includes(id), id);
  assert.deepEqual(copy.truncate('春季新品上市全场满减会员专享', 'cjk_double', 12), { text: '春季新品上…', length: 11, truncated: true });
  assert.throws(() => copy.truncate('x', 'furlongs', 3), (e) => e.code === 'invalid_field');
  const alts = ['Shop fresh single-origin coffee today', 'Shop fresh coffee today', 'Coffee'];
  assert.deepEqual(copy.longestFitting(alts, 'cjk_double', 30), { index: 1, length: 23 });
  assert.deepEqual(copy.longestFitting(alts, 'cjk_double', 3), { index: -1, length: 0 });
});

test('SMS segments agree live with sms-segments-calculator', () => {
  let n = 0;
  for (const text of smsMessages(99, 300)) {
    if (text === '') continue; // the calculator counts an empty message as one segment
    const ours = copy.smsSegments(text);
    const theirs = segmentsOf(text);
    assert.equal(ours.encoding, theirs.encoding, text);
    assert.equal(ours.segments, theirs.segments, text);
    ++n;
  }
  assert.ok(n >= 300);
});

test('render(plainObject) sends only what the template reads, as JSON.stringify would', () => {
  const t = copy.compile('{{ a.b }}|{{ a.d }}|{{ when }}|{{ s.x }}|{{ n.size }}|{{ list | join: "," }}|{{ o.k }}|{{ u }}|{{ h.secret }}');
  const viaText = (data) => t.render(JSON.stringify(data));
  const proto = { secret: 'inherited' };
  const data = {
    a: { b: 'B', c: { huge: 'x'.repeat(1000) }, d: undefined },
    when: new Date(Date.UTC(2026, 0, 2)),          // toJSON: an ISO string
    s: { x: 1, toJSON(key) { return { x: `toJSON(${key})` }; } },  // toJSON sees its key
    n: [1, 2, 3],
    list: [1, undefined, () => 1, 'z'],            // null in arrays, as JSON.stringify
    o: Object.defineProperty({}, 'k', { value: 'hidden', enumerable: false }),
    u: () => 1,                                    // dropped, as JSON.stringify
    h: Object.create(proto),                        // inherited keys are not data
    unrelated: { big: 'y'.repeat(100000) },
  };
  const r = t.render(data);
  assert.deepEqual(r, viaText(data));
  assert.equal(r.text, 'B||2026-01-02T00:00:00.000Z|toJSON(s)|3|1,,,z|||');
  // The cut data follows every change of the object.
  data.a.b = '小明 👍';
  assert.equal(t.render(data).text.split('|')[0], '小明 👍');
  // Options are set once and follow changes too.
  const m = copy.compile('{{ p | money }} {{ "now" | date: "%Y" }}');
  assert.equal(m.render({ p: 100 }).text, '$1.00 1970');
  assert.equal(m.render({ p: 100 }, { currency: 'EUR', now_ms: 1764288000000 }).text, '€1.00 2025');
  assert.throws(() => m.render({ p: 1 }, { locale: 'fr' }), (e) => e.code === 'invalid_field');
  assert.equal(m.render({ p: 100 }).text, '$1.00 1970');
  // Large data grows the input buffer (and maybe wasm memory); output crosses back whole.
  const big = copy.compile('{{ s | size }}:{{ s | slice: -3, 3 }}:{{ s }}');
  const s = 'é'.repeat(100000);
  assert.equal(big.render({ s }).text, `100000:ééé:${s}`);
  // Unresolved / defaulted reports and errors as with JSON text.
  const d = copy.compile('{{ x.y | default: "-" }} {{ z }}');
  assert.deepEqual(d.render({ x: {} }), d.render('{"x":{}}'));
  assert.deepEqual(d.render({ x: {} }).defaulted, ['x.y']);
  assert.throws(() => copy.compile('{{ a | plus: 1 }}').render({ a: 'q' }), (e) => e.code === 'invalid_field' && e.where === '1:8');
  t.close(); m.close(); big.close(); d.close();
});

test('render(plainObject): cycles and BigInt in what the template reads are TypeErrors, as JSON.stringify', () => {
  const t = copy.compile('{{ a.b }}');
  const cyclic = { b: 1 };
  cyclic.self = cyclic;
  assert.equal(t.render({ a: { b: 'ok' }, other: cyclic }).text, 'ok'); // not read: not serialized
  const loop = {};
  loop.b = loop;
  assert.throws(() => t.render({ a: loop }), TypeError);
  assert.throws(() => t.render({ a: { b: 1n } }), TypeError);
  t.close();
});

test('render(plainObject) over the data limit is limit_exceeded, as with JSON text', () => {
  const t = copy.compile('{{ s | size }}');
  const atLimit = 'x'.repeat((1 << 20) - '{"s":""}'.length);
  assert.equal(t.render({ s: atLimit }).text, String(atLimit.length));
  assert.throws(() => t.render({ s: `${atLimit}x` }), (e) => e.code === 'limit_exceeded');
  // Multi-byte text: the limit counts UTF-8 bytes.
  const wide = 'é'.repeat(((1 << 20) - '{"s":""}'.length) / 2);
  assert.equal(t.render({ s: wide }).text, String(wide.length));
  assert.throws(() => t.render({ s: `${wide}é` }), (e) => e.code === 'limit_exceeded');
  assert.equal(t.render({ s: 'ok' }).text, '2');
  t.close();
});
