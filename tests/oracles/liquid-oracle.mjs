// Differential oracle for `copy`: runs liquidjs over the corpus in
// tests/vectors/liquid-corpus (real-world marketing templates, one per file,
// data from _data.json or <name>.json) plus seeded generated templates, and
// writes the expected outputs to tests/vectors/liquid-diff.json.
//
//   node tests/oracles/liquid-oracle.mjs          # rewrite liquid-diff.json
//   import { corpusCases, renderLiquid } from ... # used by tests/js/copy-liquid.test.mjs
//
// Time zone is UTC for every date (Tailor's render has no local zone).
process.env.TZ = 'UTC';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const corpusDir = join(root, 'tests/vectors/liquid-corpus');
const require = createRequire(import.meta.url);
const { Liquid } = require(join(root, 'node_modules/liquidjs'));
export const liquidjsVersion = JSON.parse(readFileSync(join(root, 'node_modules/liquidjs/package.json'), 'utf8')).version;
export const GENERATED_SEED = 20240315;
export const GENERATED_COUNT = 300;

const engine = new Liquid({ cache: false });

/** liquidjs output, or { error } when it throws. */
export function renderLiquid(template, data) {
  try {
    return { output: engine.parseAndRenderSync(template, data) };
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

// mulberry32: a small seeded PRNG, so the generated corpus is reproducible.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generated templates: random compositions of constructs whose semantics
 * liquidjs and Shopify agree on (integers only, no division, ASCII case
 * mapping, same-type comparisons).
 */
export function generateTemplates(seed = GENERATED_SEED, n = GENERATED_COUNT) {
  const r = prng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const strVars = ['shopper.first_name', 'shopper.city', 'product.title', 'product.vendor', 'shop.name', 'sentence',
    'words[1]', 'cart.items[0].title', 'coupon.code', "'Spring Sale'", "'  padded  '", "'a,b,c'", 'zh_shopper.city'];
  const intVars = ['count', 'shopper.points', 'product.price', 'cart.item_count', 'numbers[2]', 'big', 'zero', 'one',
    'product.stock', String(int(0, 50))];
  const arrVars = ['numbers', 'words', 'product.tags', 'shopper.tags', 'empty_list'];
  const objArrVars = ['cart.items', 'recommendations.home'];
  const strFilter = () => pick([
    'upcase', 'downcase', 'capitalize', 'strip', 'escape', 'size',
    `append: '${pick(['!', ' now', '-x'])}'`, `prepend: '${pick(['>', 'Hi ', ''])}'`,
    `replace: '${pick(['a', 'e', ' '])}', '${pick(['_', '', 'A'])}'`, `remove: '${pick(['o', 'e', ' '])}'`,
    `truncate: ${int(3, 25)}`, `slice: ${int(-5, 5)}, ${int(1, 6)}`,
    `default: '${pick(['x', 'friend'])}'`, `split: '${pick([' ', ',', 'e'])}' | join: '${pick(['+', '', ', '])}'`,
  ]);
  const intFilter = () => pick([`plus: ${int(0, 99)}`, `minus: ${int(0, 99)}`, `times: ${int(0, 9)}`,
    `modulo: ${int(1, 9)}`, `at_least: ${int(0, 100)}`, `at_most: ${int(0, 100)}`, 'abs', `plus: count`]);
  const arrFilter = () => pick(['size', 'first', 'last', "join: ', '", 'reverse | join', 'uniq | size',
    "sort | join: ','", 'compact | size']);
  const objArrFilter = () => pick(['size', "map: 'title' | join: '/'", "map: 'price' | sum", "where: 'vendor', 'Maple Roasters' | size",
    "sort: 'price' | map: 'title' | first", "map: 'title' | reverse | join: ','"]);
  const strExpr = () => { let e = pick(strVars); for (let k = int(0, 3); k > 0; --k) e += ' | ' + strFilter(); return e; };
  const intExpr = () => { let e = pick(intVars); for (let k = int(0, 2); k > 0; --k) e += ' | ' + intFilter(); return e; };
  const arrExpr = () => (r() < 0.6 ? pick(arrVars) + ' | ' + arrFilter() : pick(objArrVars) + ' | ' + objArrFilter());
  const cond = (d) => {
    const one = pick([
      () => `${pick(intVars)} ${pick(['==', '!=', '<', '>', '<=', '>='])} ${pick(intVars)}`,
      () => `${pick(strVars)} ${pick(['==', '!='])} ${pick(strVars)}`,
      () => `${pick(arrVars)} contains ${pick(["'tea'", "'coffee'", '11', "'pear'"])}`,
      () => `${pick(strVars)} contains '${pick(['a', 'e', 'Sale', 'x'])}'`,
      () => pick(['shopper.vip', 'flag_false', 'nothing', 'empty_list == empty', "empty_string == ''", 'settings.show_banner']),
    ])();
    return d > 0 && r() < 0.3 ? `${one} ${pick(['and', 'or'])} ${cond(d - 1)}` : one;
  };
  const node = (depth) => {
    const kinds = depth > 2 ? ['text', 'out', 'out'] : ['text', 'out', 'out', 'if', 'for', 'assign', 'case', 'unless', 'capture'];
    switch (pick(kinds)) {
      case 'text': return pick([' ', ' | ', '\n', 'Hello ', '🎉 ', '限时 ', ', ', '-']);
      case 'out': return `{{ ${pick([strExpr, intExpr, arrExpr])()} }}`;
      case 'if': return `{% if ${cond(2)} %}${body(depth + 1)}${r() < 0.4 ? `{% elsif ${cond(1)} %}${body(depth + 1)}` : ''}${r() < 0.5 ? `{% else %}${body(depth + 1)}` : ''}{% endif %}`;
      case 'unless': return `{% unless ${cond(1)} %}${body(depth + 1)}{% endunless %}`;
      case 'for': {
        const objects = r() < 0.25;
        const coll = objects ? pick(objArrVars) : pick(['numbers', 'words', 'product.tags', `(1..${int(0, 6)})`, 'empty_list']);
        const opts = [r() < 0.3 ? ` limit: ${int(0, 4)}` : '', r() < 0.3 ? ` offset: ${int(0, 3)}` : '', r() < 0.3 ? ' reversed' : ''].join('');
        const inner = objects ? pick(['{{ x.title }}', '{{ forloop.index }}.{{ x.price | plus: 1 }}', '{% if x.badge %}{{ x.badge }}{% endif %}']) : pick(['{{ x }}', '{{ forloop.index }}:{{ x }}', '{% if forloop.first %}[{% endif %}{{ forloop.rindex }}',
          '{% if forloop.index == 2 %}{% break %}{% endif %}{{ x }}', '{% if forloop.index0 == 1 %}{% continue %}{% endif %}{{ forloop.length }}',
          '{{ x | append: forloop.index }}']);
        return `{% for x in ${coll}${opts} %}${inner}${body(depth + 1)}${r() < 0.2 ? '{% else %}none' : ''}{% endfor %}`;
      }
      case 'assign': { const v = pick(['a', 'b', 'c']); return `{% assign ${v} = ${pick([strExpr, intExpr])()} %}{{ ${v} }}`; }
      case 'capture': return `{% capture cap %}${body(depth + 1)}{% endcapture %}[{{ cap | strip }}]`;
      case 'case': {
        const subject = pick(['count', 'shopper.tier', 'zero', "'gold'"]);
        return `{% case ${subject} %}{% when 3 %}three{% when 'gold', 'silver' %}metal{% when 0 or 1 %}small${r() < 0.5 ? '{% else %}other' : ''}{% endcase %}`;
      }
    }
    return '';
  };
  const body = (depth) => { let s = ''; for (let k = int(1, 3); k > 0; --k) s += node(depth); return s; };
  const out = [];
  for (let i = 0; i < n; ++i) out.push({ name: `generated-${String(i).padStart(3, '0')}`, template: body(0) + node(0) });
  return out;
}

/** Every case: corpus files, then generated ones. data_file is relative to tests/vectors. */
export function corpusCases() {
  const cases = [];
  for (const f of readdirSync(corpusDir).filter((f) => f.endsWith('.liquid')).sort()) {
    const name = f.slice(0, -'.liquid'.length);
    const own = `${name}.json`;
    const dataFile = existsSync(join(corpusDir, own)) ? own : '_data.json';
    cases.push({ name, template: readFileSync(join(corpusDir, f), 'utf8'), data_file: `liquid-corpus/${dataFile}` });
  }
  for (const g of generateTemplates()) cases.push({ ...g, data_file: 'liquid-corpus/_data.json' });
  return cases;
}

export function loadData(dataFile) {
  return JSON.parse(readFileSync(join(root, 'tests/vectors', dataFile), 'utf8'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cases = corpusCases().map((c) => {
    const r = renderLiquid(c.template, loadData(c.data_file));
    return r.error !== undefined ? { ...c, liquidjs_error: r.error } : { ...c, liquidjs: r.output };
  });
  const out = {
    spec: 'tailor liquid-diff v1',
    liquidjs: liquidjsVersion,
    command: 'node tests/oracles/liquid-oracle.mjs',
    time_zone: 'UTC',
    generated: { seed: GENERATED_SEED, count: GENERATED_COUNT },
    cases,
  };
  writeFileSync(join(root, 'tests/vectors/liquid-diff.json'), JSON.stringify(out, null, 1) + '\n');
  console.log(`${cases.length} cases, ${cases.filter((c) => c.liquidjs_error !== undefined).length} liquidjs errors`);
}
