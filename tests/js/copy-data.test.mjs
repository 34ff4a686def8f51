// render(compiled, plainObject) writes only the data the template can read, as
// JSON bytes straight into wasm memory (wasm/copy_data.mjs). Oracles: the bytes
// are JSON.stringify's for every kind of value; rendering the cut data gives the
// same result as rendering the object's whole JSON text, loop variables narrowed
// to the fields they read included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailorCore, Copy } from '../../build/wasm/pkg/index.mjs';
import { spawnSync } from 'node:child_process';
import { compileWriter, planOf, writeData } from '../../build/wasm/pkg/copy_data.mjs';
import { prng } from '../oracles/condition-gen.mjs';

const copy = new Copy(await TailorCore.load());
const decoder = new TextDecoder();

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const units = ['a', 'Z', ' ', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', 'ß', '中', '\u2028', '😀', '\ud800', '\udc00', '/'];
const wellFormed = units.filter((u) => u.length !== 1 || u < '\ud800' || u > '\udfff');
// Lone surrogates are JSON.stringify's \udXXX escapes, which the core refuses as data.
function randomString(r, lone) {
  const n = pick(r, [0, 1, 3, 8, 20, 63, 64, 65, 100]);
  let s = '';
  for (let i = 0; i < n; ++i) s += r() < 0.6 ? 'abcXYZ019 .-'[Math.floor(r() * 12)] : pick(r, lone ? units : wellFormed);
  return s;
}
function randomScalar(r, lone) {
  switch (Math.floor(r() * 14)) {
    case 0: return randomString(r, lone);
    case 1: return pick(r, [0, -0, 1, -7, 42, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e21, 1e-7, 0.1, -1.5e300, 5e-324]);
    case 2: return pick(r, [NaN, Infinity, -Infinity]);
    case 3: return r() < 0.5;
    case 4: return null;
    case 5: return undefined;
    case 6: return () => 1;
    case 7: return Symbol('s');
    case 8: return new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    case 9: return { toJSON(key) { return `toJSON(${key})`; } };
    case 10: return { toJSON() { return undefined; } };
    case 11: return Object.create(null);
    case 12: return new Map([[1, 2]]);
    default: return new (class Item { constructor() { this.title = 'class'; } })();
  }
}
function randomValue(r, depth, lone = true) {
  if (depth <= 0 || r() < 0.4) return randomScalar(r, lone);
  if (r() < 0.5) {
    const a = [];
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; ++i) a.push(randomValue(r, depth - 1, lone));
    if (r() < 0.2) a.length += 1; // a hole
    return a;
  }
  const o = {};
  for (const k of ['title', 'price', 'tags', 'x', 'y']) if (r() < 0.6) o[k] = randomValue(r, depth - 1, lone);
  if (r() < 0.2) Object.defineProperty(o, 'title', { value: 'hidden', enumerable: false });
  return o;
}

const isPlainObject = (v) => typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v)) &&
  typeof v.toJSON !== 'function';
const jsonOf = (key, v) => { const t = JSON.stringify({ [key]: v }); return t === '{}' ? undefined : JSON.parse(t)[key]; };
/** The documented cut, built as a JS value (JSON.stringify then writes it). */
function cutRef(v, plan, key) {
  if (plan !== null && plan.each === null && isPlainObject(v)) {
    const o = {};
    plan.keys.forEach((k, i) => {
      if (!Object.prototype.propertyIsEnumerable.call(v, k)) return;
      const c = cutRef(v[k], plan.below[i], k);
      if (c !== undefined) o[k] = c;
    });
    return o;
  }
  if (plan !== null && plan.each !== null && Array.isArray(v) && typeof v.toJSON !== 'function') {
    return Array.from({ length: v.length }, (_, i) => cutRef(v[i], plan.each, String(i)) ?? null);
  }
  return jsonOf(key, v);
}
// Both writers: the plan walk and the one generated for the plan; they must agree.
const written = (data, plan, size = 1 << 16) => {
  const view = new Uint8Array(size);
  const n = writeData(view, data, plan);
  const text = n <= size ? decoder.decode(view.subarray(0, n)) : undefined;
  const generated = new Uint8Array(size);
  assert.equal(compileWriter(plan)(generated, data), n);
  if (n <= size) assert.equal(decoder.decode(generated.subarray(0, n)), text);
  return { n, text };
};

test('writeData writes every kind of value byte for byte as JSON.stringify', () => {
  const r = prng(20261205);
  for (let round = 0; round < 300; ++round) {
    const data = {};
    const paths = [];
    for (let k = 0; k < 6; ++k) {
      data[`k${k}`] = randomValue(r, 3);
      paths.push([`k${k}`]);
    }
    const { n, text } = written(data, planOf(paths));
    const expected = JSON.stringify(data);
    assert.equal(text, expected);
    assert.equal(n, new TextEncoder().encode(expected).length);
  }
});

test('writeData cuts objects and arrays to the plan, as documented', () => {
  const r = prng(7);
  const plans = [
    [['a', 'title'], ['a', 'tags']],
    [['a', null], ['a', null, 'title'], ['b']],
    [['a', null, 'x', null], ['a', null, 'x', null, 'y'], ['a', 'title']],
    [['a', null, null]],
    [['a', 'x', 'y'], ['a', 'x', null]],
  ];
  for (let round = 0; round < 400; ++round) {
    const data = { a: randomValue(r, 4), b: randomValue(r, 2) };
    const plan = planOf(pick(r, plans));
    assert.equal(written(data, plan).text, JSON.stringify(cutRef(data, plan, '')));
  }
});

test('writeData into a view too small counts the exact length and writes again', () => {
  const data = { s: 'ab"c\\中😀\ud800', n: 12.5, big: 'é'.repeat(70), list: [1, { title: 'x', y: [true, null] }], d: new Date(0) };
  const plan = planOf([['s'], ['n'], ['big'], ['list', null], ['list', null, 'title'], ['d']]);
  const { n, text } = written(data, plan);
  for (let size = 0; size <= n + 2; ++size) {
    for (const write of [(v) => writeData(v, data, plan), (v) => compileWriter(plan)(v, data)]) {
      const view = new Uint8Array(size);
      assert.equal(write(view), n, `view of ${size} bytes`);
      if (size >= n) assert.equal(decoder.decode(view.subarray(0, n)), text);
    }
  }
});

test('render(plainObject) with loop variables narrowed renders as the whole JSON text', () => {
  const templates = [
    '{% for r in recs.home limit: 3 %}{{ forloop.index }}/{{ forloop.length }} {{ r.title }}{% if r.x %}!{% endif %}{% endfor %}',
    '{% for r in recs.home %}[{{ r.title | default: "-" }}|{{ r.tags | join: "," }}|{{ r.price.y }}]{% endfor %}',
    '{% for r in recs.home reversed %}{% for t in r.tags %}{{ t.title }}{{ t }}{% endfor %}{% else %}{{ r.title }}{% endfor %}',
    '{% for r in recs.home %}{{ r }}{% endfor %}',
    '{% for r in recs.home %}{% assign best = r %}{% endfor %}{{ best.title }}',
    '{% for r in recs.home %}{{ r.size }}{{ r.first }}{% endfor %}',
    '{% tablerow r in recs.home cols: 2 %}{{ r.title }}{% endtablerow %}',
    '{% for r in recs.home %}{% liquid\necho r.title\n%}{% endfor %}{{ recs.home.size }}',
    '{% for r in recs.home %}{% for r in recs.other %}{{ r.x }}{% endfor %}{{ r.y }}{% endfor %}',
  ];
  const compiled = templates.map((t) => copy.compile(t));
  const r = prng(11);
  let compared = 0;
  let rendered = 0;
  for (let round = 0; round < 300; ++round) {
    // A fresh object every call: the cut follows it.
    const data = { recs: { home: randomValue(r, 4, false), other: randomValue(r, 3, false) } };
    if (r() < 0.7) data.recs.home = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomValue(r, 3, false));
    let text;
    try { text = JSON.stringify(data); } catch { continue; }
    for (const t of compiled) {
      let whole;
      try { whole = t.render(text); } catch (e) { whole = { error: e.code }; }
      let cut;
      try { cut = t.render(data); } catch (e) { cut = { error: e.code }; }
      assert.deepEqual(cut, whole);
      ++compared;
      if (!cut.error && cut.text !== '') ++rendered;
    }
  }
  assert.ok(compared > 2000 && rendered > compared / 2, `${rendered} of ${compared}`);
  for (const t of compiled) t.close();
});

test('a getter that renders the same template while its data is written is refused; another template is fine', () => {
  const t = copy.compile('{{ a.b }}');
  const u = copy.compile('{{ x }}');
  const inner = { get b() { return u.renderText({ x: 'inner' }); } };
  assert.equal(t.renderText({ a: inner }), 'inner');
  const reentrant = { get b() { return t.renderText({ a: { b: 1 } }); } };
  assert.throws(() => t.renderText({ a: reentrant }), /called back while its data is being read/);
  assert.equal(t.renderText({ a: { b: 'after' } }), 'after');
  t.close();
  u.close();
});

test('where code generation is refused (workerd, strict CSP), the plan walk writes the data', () => {
  const script = `
    import { TailorCore, Copy } from './build/wasm/pkg/index.mjs';
    import { compileWriter, planOf } from './build/wasm/pkg/copy_data.mjs';
    if (compileWriter(planOf([['a']])) !== null) throw new Error('generated a writer');
    const copy = new Copy(await TailorCore.load());
    const t = copy.compile('{% for r in a.list %}{{ r.t }}{% endfor %}');
    let out = '';
    for (let i = 0; i < 20; ++i) out += t.renderText({ a: { list: [{ t: i }, { t: '-' }] } });
    console.log(out);`;
  const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
    { cwd: new URL('../..', import.meta.url), encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), Array.from({ length: 20 }, (_, i) => `${i}-`).join(''));
});
