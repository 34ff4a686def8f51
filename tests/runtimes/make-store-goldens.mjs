// Writes tests/golden/profile-store/*.in.json: profile cases cut from the
// sample stores (a generated store and the UCI Online Retail import), so the
// four-runtime suite also folds realistic shoppers.
//   bash scripts/build.sh native && node tests/runtimes/make-store-goldens.mjs
//   node tests/runtimes/golden.mjs --update      (writes the .out.json where all four agree)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeCli, root } from './runners.mjs';

const outDir = join(root, 'tests/golden/profile-store');
const source = process.env.TAILOR_ONLINE_RETAIL ?? '/work/shared/data/online-retail/online_retail.csv.gz';
const config = {
  half_life_days: 14,
  price_bands: [{ id: 'budget', max: 15 }, { id: 'mid-range', max: 50 }, { id: 'premium', max: 150 }, { id: 'luxury' }],
  top_k: 8,
  recent_items: 8,
};
const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
const write = (name, spec) => {
  writeFileSync(join(outDir, `${name}.in.json`), `${JSON.stringify(spec, null, 1)}\n`);
  console.log(`${name}: ${spec.events.length} events, ${spec.catalog.split('\n').length - 1} items`);
};

mkdirSync(outDir, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'tailor-store-goldens-'));
try {
  // A generated store: 120 items, 300 shoppers over 10 days.
  const gen = join(tmp, 'gen');
  execFileSync(nativeCli, ['generate', '--seed', '11', '--items', '120', '--shoppers', '300', '--days', '10', '--out', gen]);
  const catalog = `${lines(join(gen, 'catalog.jsonl')).join('\n')}\n`;
  const manifest = JSON.parse(readFileSync(join(gen, 'manifest.json'), 'utf8'));
  const events = lines(join(gen, 'events.jsonl')).map((l) => JSON.parse(l));
  const byShopper = new Map();
  for (const e of events) {
    const s = e.id.split('-')[1];
    if (!byShopper.has(s)) byShopper.set(s, []);
    byShopper.get(s).push(e);
  }
  const shoppers = [...byShopper.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const pick = (pred) => shoppers.find(([, evs]) => pred(evs));
  const busiest = [...shoppers].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0];
  const buyer = pick((evs) => evs.some((e) => e.type === 'identify') && evs.some((e) => e.type === 'purchase'));
  const declined = pick((evs) => evs.some((e) => e.type === 'consent' && !e.personalization));
  const now = manifest.end_ms;
  for (const [name, found, at] of [
    ['generated-busiest-shopper', busiest, now],
    ['generated-identified-buyer', buyer, now],
    ['generated-declined-personalization', declined, now],
    // The same buyer two days before the end: decay, sessions and lifecycle at another clock.
    ['generated-identified-buyer-earlier', buyer, now - 2 * 86400000],
  ]) {
    if (!found) throw new Error(`no shopper for ${name}`);
    write(name, { catalog, catalog_format: 'jsonl', config, events: found[1].filter((e) => e.ts <= at), now: at });
  }

  // UCI Online Retail: customer 17850 (the first invoice of the data set), the items they bought,
  // the day after their last purchase.
  const uci = join(tmp, 'uci');
  execFileSync(nativeCli, ['import-online-retail', '--in', source, '--out', uci]);
  const purchases = lines(join(uci, 'events.jsonl')).map((l) => JSON.parse(l)).filter((e) => e.uid === 'c-17850');
  const ids = new Set(purchases.flatMap((e) => e.items.map((l) => l.item_id)));
  const items = lines(join(uci, 'catalog.jsonl')).filter((l) => ids.has(JSON.parse(l).id));
  write('online-retail-customer-17850', {
    catalog: `${items.join('\n')}\n`, catalog_format: 'jsonl', config, events: purchases,
    now: Math.max(...purchases.map((e) => e.ts)) + 86400000,
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
