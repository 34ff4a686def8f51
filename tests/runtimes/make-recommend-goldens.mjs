// Writes tests/golden/recommend-experiment/: a small bundle whose "home" slot runs
// an experiment over three recommender configurations, and requests covering each
// variation, an assignment made elsewhere (by @growthbook/growthbook), sticky
// buckets, an exposure already tracked and a broken assigned value (the control).
//   bash scripts/build.sh native && node tests/runtimes/make-recommend-goldens.mjs
//   node tests/runtimes/golden.mjs --update      (writes the .out.json where all four agree)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrowthBook } from '@growthbook/growthbook';
import { nativeCli, root } from './runners.mjs';

const outDir = join(root, 'tests/golden/recommend-experiment');
export const features = {
  'home-recs': {
    defaultValue: null,
    rules: [{
      key: 'recs-home', hashAttribute: 'id', hashVersion: 2, seed: 'recs-home',
      variations: [null, 'home_trending', { size: 4, sources: { embedding: 1, trending: 0 } }],
      weights: [0.34, 0.33, 0.33],
      meta: [{ key: 'control' }, { key: 'trending' }, { key: 'embedding' }],
    }],
  },
};
export const config = {
  slots: {
    home: { size: 6, anchor: 'profile', sources: { repeat: 1, ease: 0.25, trending: 0.025 }, experiment: 'home-recs' },
    home_trending: { size: 5, anchor: 'profile', sources: { trending: 1 }, rules: { max_per_category: 2 } },
  },
  features,
};

const sdkResult = (uid) => {
  const gb = new GrowthBook({ attributes: { id: uid }, features });
  const r = gb.evalFeature('home-recs');
  gb.destroy();
  return JSON.parse(JSON.stringify(r));
};

if (process.argv[1] === new URL(import.meta.url).pathname) {
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'tailor-rec-goldens-'));
  try {
    const gen = join(tmp, 'gen');
    execFileSync(nativeCli, ['generate', '--seed', '5', '--items', '60', '--shoppers', '200', '--days', '10', '--out', gen]);
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(config));
    execFileSync(nativeCli, ['build-bundle', '--events', join(gen, 'events.jsonl'), '--items', join(gen, 'catalog.jsonl'),
      '--config', join(tmp, 'config.json'), '--dim', '8', '--out', join(outDir, 'bundle.bin')]);
    const events = readFileSync(join(gen, 'events.jsonl'), 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l))
      .filter((e) => ['view', 'click', 'add_to_cart', 'purchase'].includes(e.type));
    const shopper = events.find((e) => e.type === 'purchase').uid;
    const history = events.filter((e) => e.uid === shopper).slice(-40);
    const now = Math.max(...history.map((e) => e.ts)) + 60_000;
    const request = (extra) => ({ slot: 'home', now, events: history, ...extra });
    const write = (name, req) => {
      writeFileSync(join(outDir, `${name}.in.json`), `${JSON.stringify({ bundle_file: 'bundle.bin', request: req }, null, 1)}\n`);
      console.log(name);
    };
    // One shopper per variation, as the SDK buckets them.
    const byVariation = new Map();
    for (let i = 0; byVariation.size < 3 && i < 1000; i++) {
      const uid = `shopper-${i}`;
      const v = sdkResult(uid).experimentResult.variationId;
      if (!byVariation.has(v)) byVariation.set(v, uid);
    }
    for (const [v, uid] of [...byVariation].sort((a, b) => a[0] - b[0])) {
      write(`variation-${v}`, request({ experiment_context: { attributes: { id: uid } } }));
    }
    write('assignment-from-sdk', request({ assignments: { 'home-recs': sdkResult(byVariation.get(2)) } }));
    write('no-attributes-control', request({}));
    write('sticky-bucket-kept', request({ experiment_context: { attributes: { id: byVariation.get(0) },
      stickyBucketAssignmentDocs: { [`id||${byVariation.get(0)}`]: { attributeName: 'id', attributeValue: byVariation.get(0),
        assignments: { 'recs-home__0': 'trending' } } } } }));
    const tracked = sdkResult(byVariation.get(1)).experimentResult;
    write('exposure-already-tracked', request({ experiment_context: { attributes: { id: byVariation.get(1) },
      trackedExperiments: [`id${byVariation.get(1)}recs-home${tracked.variationId}`] } }));
    const broken = sdkResult(byVariation.get(2));
    broken.value = { size: 0 };
    write('broken-assignment-control', request({ assignments: { 'home-recs': broken } }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
