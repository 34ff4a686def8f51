// recommend() end to end in wasm (Node) and natively: a 50,000-item catalogue and
// a 200-event profile; plus bundle sizes for 10k and 100k items.
//   node bench/recommend-serve.mjs        (needs build/wasm and build/native/tailor)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TailorCore, Recommender } from '../build/wasm/pkg/index.mjs';

const root = new URL('../', import.meta.url).pathname;
const tailor = join(root, 'build/native/tailor');
const dir = mkdtempSync(join(tmpdir(), 'tailor-serve-'));
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const T0 = 1700000000000;
// Synthetic shop: items cluster into themes; shoppers buy within 1-2 themes; Zipf-ish popularity.
function buildBundle(nItems, nOrders, name) {
  const rand = rng(nItems);
  const id = (i) => `I${String(i).padStart(6, '0')}`;
  const themes = Math.max(10, Math.floor(nItems / 50));
  const lines = [];
  for (let o = 0; o < nOrders; o++) {
    const uid = `u${Math.floor(rand() * nOrders / 4)}`;
    const theme = Math.floor(Math.pow(rand(), 2) * themes);
    const basket = new Set();
    const size = 1 + Math.floor(rand() * 6);
    for (let b = 0; b < size; b++) basket.add(Math.min(nItems - 1, theme * Math.floor(nItems / themes) + Math.floor(rand() * Math.floor(nItems / themes))));
    lines.push(JSON.stringify({ type: 'purchase', id: `o${o}`, ts: T0 + o * 60000, uid, currency: 'GBP',
      items: [...basket].map((i) => ({ item_id: id(i), price: 1 + (i % 500) / 10 })) }));
  }
  const items = [];
  for (let i = 0; i < nItems; i++) {
    items.push(JSON.stringify({ id: id(i), title: `Item ${i}`, category: `C${i % 20}/S${i % 7}`, price_minor: 100 + (i % 500) * 10, in_stock: i % 13 !== 0 }));
  }
  writeFileSync(join(dir, `${name}.jsonl`), lines.join('\n') + '\n');
  writeFileSync(join(dir, `${name}-items.jsonl`), items.join('\n') + '\n');
  const out = join(dir, `${name}.bin`);
  const t0 = performance.now();
  execFileSync(tailor, ['build-bundle', '--events', join(dir, `${name}.jsonl`), '--items', join(dir, `${name}-items.jsonl`),
    '--out', out, '--ease-items', '4000', '--top-n', '50', '--ease-top-n', '50']);
  return { path: out, bytes: statSync(out).size, seconds: (performance.now() - t0) / 1000, id };
}

const sizes = [];
const keep = process.argv.includes('--keep') ? process.argv[process.argv.indexOf('--keep') + 1] : null;
for (const [n, orders] of process.argv.includes('--no-sizes') ? [] : [[10000, 60000], [100000, 400000]]) {
  const b = buildBundle(n, orders, `b${n}`);
  sizes.push({ items: n, orders, bytes: b.bytes, seconds: b.seconds });
}
const big = buildBundle(50000, 250000, 'b50000');
const rand = rng(7);
const events = [];
for (let e = 0; e < 200; e++) {
  const item = big.id(Math.floor(Math.pow(rand(), 3) * 50000));
  events.push(e % 10 === 9
    ? { type: 'purchase', id: `p${e}`, ts: T0 + e * 1000, uid: 's', currency: 'GBP', items: [{ item_id: item, price: 2.5 }] }
    : { type: e % 4 === 0 ? 'add_to_cart' : 'view', id: `e${e}`, ts: T0 + e * 1000, uid: 's', item_id: item });
}
const request = { slot: 'home', now: T0 + 400000 * 60000, events, size: 20 };
writeFileSync(join(dir, 'req.json'), JSON.stringify(request));
if (keep) { // keep the 50k bundle and request for profiling
  writeFileSync(`${keep}.bin`, readFileSync(big.path));
  writeFileSync(`${keep}.req.json`, JSON.stringify(request));
}

const core = await TailorCore.load();
const rec = Recommender.open(core, readFileSync(big.path));
const first = rec.recommend(request);
if (first.items.length !== 20) throw new Error('expected 20 items');
const nat = spawnSync(tailor, ['recommend', '--bundle', big.path, '--request', join(dir, 'req.json'), '--bench', '300']);
const nativeDecision = JSON.parse(nat.stdout.toString());
if (JSON.stringify(nativeDecision) !== JSON.stringify(first)) throw new Error('native and wasm decisions differ');
const nativeTiming = JSON.parse(nat.stderr.toString().trim().split('\n').pop());
const text = JSON.stringify(request);
// The same request with the key spelled "\u0065vents": the JSON parser reads the
// same key, but the events go through the DOM decoder (the path before the
// DOM-free reader), so both paths are timed side by side in this process.
const domText = text.replace('"events":', '"\\u0065vents":');
if (JSON.stringify(rec.recommend(domText)) !== JSON.stringify(first)) throw new Error('the DOM path decides differently');
function timeCalls(body) {
  for (let i = 0; i < 30; i++) rec.recommend(body); // warm-up
  const ms = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    rec.recommend(body);
    ms.push(performance.now() - t0);
  }
  const c1 = process.cpuUsage(c0);
  ms.sort((a, b) => a - b);
  return { p50: ms[150], p90: ms[270], min: ms[0], cpu: (c1.user + c1.system) / 1000 / 300 };
}
const fast = timeCalls(text);
const dom = timeCalls(domText);
console.log(`recommend(): ${big.bytes} byte bundle, 50,000 items, 200-event profile, slot home, size 20 (decision identical natively)`);
console.log(`| runtime | p50 ms | p90 ms | min ms | CPU ms per call |`);
console.log(`|---|---|---|---|---|`);
const row = (name, r) => console.log(`| ${name} | ${r.p50.toFixed(3)} | ${r.p90.toFixed(3)} | ${r.min.toFixed(3)} | ${r.cpu.toFixed(3)} |`);
row(`Tailor wasm (node ${process.version})`, fast);
row('Tailor wasm, events through the DOM decoder (previous path)', dom);
console.log(`| Tailor native (g++ -O3) | ${nativeTiming.p50_ms.toFixed(3)} | ${nativeTiming.p90_ms.toFixed(3)} | ${nativeTiming.min_ms.toFixed(3)} | ${nativeTiming.cpu_ms_per_call.toFixed(3)} |`);
console.log('bundle sizes (no embeddings section; int8 embeddings would add items x (dim + 4) bytes):');
for (const s of sizes) console.log(`| ${s.items} items, ${s.orders} orders | ${(s.bytes / 1e6).toFixed(2)} MB | built in ${s.seconds.toFixed(1)} s |`);
rec.close();
