// Experiment assignment at the edge, in real workerd: edge/worker.mjs in front of
// an origin, assigning every feature through the core, reading and writing the
// sticky-bucket cookie, and writing the assignment into the page (no flicker).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { root } from './runners.mjs';
import { startStaticServer } from './static-server.mjs';
import { GrowthBook } from '@growthbook/growthbook';
import { workerdConfig } from '../../edge/workerd-config.mjs';
import { startWorkerd } from './workerd.mjs';
import { TailorCore, evalAll, stickyCookieDecode } from '../../build/wasm/pkg/index.mjs';

const STICKY_LRU = JSON.parse(readFileSync(new URL('../vectors/sticky-lru.json', import.meta.url), 'utf8'));
const hostile = '</script><script>alert(1)</script>\u2028';
const features = {
  hero: { defaultValue: 'blue', rules: [{ key: 'hero-test', variations: ['blue', 'red', 'green'],
    meta: [{ key: '0' }, { key: '1' }, { key: '2' }] }] },
  copy: { defaultValue: hostile },
  unrelated: { defaultValue: 3 },
};
const page = `<!doctype html><html><head><title>shop</title></head><body>
<div data-tailor-feature="hero" data-tailor-variant="blue" data-tailor-default>Blue hero</div>
<div data-tailor-feature="hero" data-tailor-variant="red">Red hero</div>
<div data-tailor-feature="hero" data-tailor-variant="green">Green hero</div>
<span data-tailor-feature="unrelated">n</span>
</body></html>`;

function startOrigin() {
  return new Promise((ok) => {
    const server = createServer((req, res) => {
      if (req.url === '/data.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"plain":true}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    server.listen(0, '127.0.0.1', () => ok({ address: `127.0.0.1:${server.address().port}`, close: () => server.close() }));
  });
}

// Most tests run the edge with ASSIGN_COOKIES=always (cookies for every visitor);
// 'edge cookies follow consent' runs the default and the other policies.
const startEdge = (origin, definitions, assignCookies = 'always') => startWorkerd({
  makeConfig: (opts) => workerdConfig({ ...opts, origin: origin.address, features: definitions, assignCookies }),
});

const cookiesOf = (res) => Object.fromEntries(res.headers.getSetCookie().map((c) => {
  const pair = c.split(';')[0];
  return [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
}));
const assignmentOf = (html) => JSON.parse(html.match(/<script type="application\/json" id="tailor-assignment">(.*?)<\/script>/s)[1]);
const heroes = (html) => [...html.matchAll(/data-tailor-variant="(\w+)"[^>]*>(\w+) hero/g)].map((m) => m[1]);
const sdkHero = (uid, defs = features) => {
  const gb = new GrowthBook({ attributes: { id: uid }, features: defs });
  try { return gb.evalFeature('hero'); } finally { gb.destroy(); }
};

describe('edge assignment under workerd', () => {
  let origin, edge, core;
  before(async () => {
    origin = await startOrigin();
    edge = await startEdge(origin, JSON.stringify({ features }));
    core = await TailorCore.load();
  });
  after(async () => { await edge?.stop(); origin?.close(); });
  const get = (path, cookie) => fetch(edge.url + path, { headers: cookie ? { cookie } : {} });

  test('a new shopper gets an id, a sticky cookie and a page already decided', async () => {
    const res = await get('/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
    const set = cookiesOf(res);
    assert.match(set.tailor_uid, /^a-[0-9a-f]{16}$/);
    assert.ok(set.tailor_sb.length <= 1024);
    const html = await res.text();
    const a = assignmentOf(html);
    assert.equal(a.uid, set.tailor_uid);
    const want = sdkHero(a.uid);
    assert.equal(a.features.hero.value, want.value);
    assert.equal(a.features.hero.experimentResult.variationId, want.experimentResult.variationId);
    assert.deepEqual(a.exposures.map((e) => e.dedupeKey), [`id${a.uid}hero-test${want.experimentResult.variationId}`]);
    // Only the assigned variant is in the HTML, marked with its value for CSS.
    assert.deepEqual(heroes(html), [want.value]);
    assert.match(html, new RegExp(`<div[^>]*data-tailor-variant="${want.value}"[^>]*data-tailor-value="${want.value}"`));
    assert.match(html, /<span data-tailor-feature="unrelated" data-tailor-value="3">/);
    // A value that tries to close the script element stays inside the JSON.
    assert.equal(a.features.copy.value, hostile);
    assert.equal(html.match(/<script/g).length, 1);
    // The sticky cookie holds the assignment, in the core's encoding.
    const docs = stickyCookieDecode(core, set.tailor_sb).stickyBucketAssignmentDocs;
    assert.equal(docs[`id||${a.uid}`].assignments['hero-test__0'], String(want.experimentResult.variationId));
  });

  test('a returning shopper keeps id and assignment; no cookie is rewritten', async () => {
    const first = await get('/');
    const set = cookiesOf(first);
    const a1 = assignmentOf(await first.text());
    const res = await get('/', `tailor_uid=${set.tailor_uid}; tailor_sb=${set.tailor_sb}`);
    assert.deepEqual(res.headers.getSetCookie(), []);
    const a2 = assignmentOf(await res.text());
    assert.equal(a2.uid, a1.uid);
    assert.equal(a2.features.hero.value, a1.features.hero.value);
    assert.equal(a2.features.hero.experimentResult.stickyBucketUsed, true);
  });

  test('a tampered, oversized or foreign sticky cookie is the safe default: hash assignment, cookie rewritten', async () => {
    const uid = 'shopper-42';
    const want = sdkHero(uid).value;
    const good = cookiesOf(await get('/', `tailor_uid=${uid}`)).tailor_sb;
    const flipped = good.slice(0, 4) + (good[4] === 'A' ? 'B' : 'A') + good.slice(5);
    for (const [sb, code] of [[flipped, 'invalid_state'], [good.slice(0, -3), 'invalid_state'], ['x'.repeat(2000), 'limit_exceeded'],
      ['s9.abc~00000000', 'invalid_state'], ['%00%ff', 'invalid_state']]) {
      const res = await get('/', `tailor_uid=${uid}; tailor_sb=${sb}`);
      assert.equal(res.status, 200, sb);
      const a = assignmentOf(await res.text());
      assert.equal(a.features.hero.value, want, sb);
      assert.deepEqual(a.warnings.map((w) => [w.source, w.code]), [['sticky_cookie', code]], sb);
      const rewritten = cookiesOf(res).tailor_sb;
      assert.equal(rewritten, good, `${sb}: a fresh cookie replaces it`);
    }
  });

  test('a bad shopper id cookie is replaced by a new anonymous id', async () => {
    const res = await get('/', `tailor_uid=${encodeURIComponent('<script>')}`);
    assert.match(cookiesOf(res).tailor_uid, /^a-[0-9a-f]{16}$/);
  });

  test('what is not an HTML page passes through untouched', async () => {
    const res = await get('/data.json');
    assert.equal(await res.text(), '{"plain":true}');
    assert.deepEqual(res.headers.getSetCookie(), []);
  });

  test('POST /v1/assign evaluates a context against the FEATURES binding', async () => {
    const res = await fetch(`${edge.url}/v1/assign`, { method: 'POST', body: JSON.stringify({ attributes: { id: 'u7' } }) });
    const env = await res.json();
    assert.equal(env.ok, true);
    assert.equal(env.value.features.hero.value, sdkHero('u7').value);
    const bad = await fetch(`${edge.url}/v1/assign`, { method: 'POST', body: '{"attributes":5}' });
    assert.equal(bad.status, 422);
    assert.equal((await bad.json()).where, 'attributes');
  });
});

describe('edge cookies follow consent (ASSIGN_COOKIES)', () => {
  let origin, core;
  before(async () => { origin = await startOrigin(); core = await TailorCore.load(); });
  after(() => origin?.close());
  const get = (edge, cookie) => fetch(edge.url + '/', { headers: cookie ? { cookie } : {} });
  const withEdge = async (policy, fn) => {
    const edge = await startEdge(origin, JSON.stringify({ features }), policy);
    try { await fn(edge); } finally { await edge.stop(); }
  };

  test('by default a visitor without the SDK\'s id cookie gets the page\'s defaults and no cookie', async () => {
    await withEdge(null, async (edge) => {
      const res = await get(edge);
      assert.deepEqual(res.headers.getSetCookie(), []);
      const html = await res.text();
      const a = assignmentOf(html);
      assert.equal(a.uid, null);
      assert.equal(a.features.hero.value, 'blue');
      assert.equal(a.features.hero.source, 'defaultValue');
      assert.deepEqual(a.exposures, []);
      assert.deepEqual(heroes(html), ['blue']);
      // A stray sticky cookie without an id changes nothing and is not rewritten.
      const stray = await get(edge, 'tailor_sb=x');
      assert.deepEqual(stray.headers.getSetCookie(), []);
      assert.equal(assignmentOf(await stray.text()).features.hero.value, 'blue');
      // Once the SDK has written tailor_uid (after consent) the shopper is assigned as the SDK assigns.
      const uid = 'shopper-7';
      const consented = await get(edge, `tailor_uid=${uid}`);
      const set = cookiesOf(consented);
      assert.deepEqual(Object.keys(set), ['tailor_sb']);
      const b = assignmentOf(await consented.text());
      assert.equal(b.uid, uid);
      assert.equal(b.features.hero.value, sdkHero(uid).value);
      assert.equal(b.exposures.length, 1);
      const docs = stickyCookieDecode(core, set.tailor_sb).stickyBucketAssignmentDocs;
      assert.equal(docs[`id||${uid}`].assignments['hero-test__0'], String(sdkHero(uid).experimentResult.variationId));
    });
  });

  test('never: ids only from the SDK\'s cookie, and no cookie written', async () => {
    await withEdge('never', async (edge) => {
      const fresh = await get(edge);
      assert.deepEqual(fresh.headers.getSetCookie(), []);
      assert.equal(assignmentOf(await fresh.text()).uid, null);
      const held = await get(edge, 'tailor_uid=shopper-7');
      assert.deepEqual(held.headers.getSetCookie(), []);
      assert.equal(assignmentOf(await held.text()).features.hero.value, sdkHero('shopper-7').value);
    });
  });

  test('an unknown policy is consent, and the page names the setting', async () => {
    await withEdge('yes please', async (edge) => {
      const res = await get(edge);
      assert.deepEqual(res.headers.getSetCookie(), []);
      const a = assignmentOf(await res.text());
      assert.equal(a.uid, null);
      assert.deepEqual(a.warnings.map((w) => [w.source, w.code]), [['config', 'invalid_config']]);
      assert.match(a.warnings[0].message, /ASSIGN_COOKIES must be consent, always or never, got "yes please"/);
    });
  });
});

describe('edge and browser share assignments through the cookie, without a database', () => {
  test('changed weights: the edge and the wasm core (as in the browser) both keep the sticky variation', async () => {
    const origin = await startOrigin();
    const changed = { ...features, hero: { ...features.hero, rules: [{ ...features.hero.rules[0], weights: [0, 0, 1] }] } };
    let edge = await startEdge(origin, JSON.stringify({ features }));
    const core = await TailorCore.load();
    try {
      // Shoppers not in "green" under the first weights.
      const uids = [];
      for (let i = 0; uids.length < 5; i++) if (sdkHero(`k${i}`).value !== 'green') uids.push(`k${i}`);
      const cookies = {};
      for (const uid of uids) cookies[uid] = cookiesOf(await fetch(`${edge.url}/`, { headers: { cookie: `tailor_uid=${uid}` } })).tailor_sb;
      await edge.stop();
      edge = await startEdge(origin, JSON.stringify({ features: changed }));
      for (const uid of uids) {
        const first = sdkHero(uid).value;
        const res = await fetch(`${edge.url}/`, { headers: { cookie: `tailor_uid=${uid}; tailor_sb=${cookies[uid]}` } });
        const html = await res.text();
        assert.equal(assignmentOf(html).features.hero.value, first, uid);
        assert.deepEqual(heroes(html), [first]);
        // The browser decodes the same cookie and assigns with the core: the same variation.
        const docs = stickyCookieDecode(core, cookies[uid]).stickyBucketAssignmentDocs;
        const browser = evalAll(core, { attributes: { id: uid }, features: changed, stickyBucketAssignmentDocs: docs });
        assert.equal(browser.features.hero.value, first, uid);
        // Without the cookie, everyone is re-bucketed into "green" (the new weights).
        const fresh = assignmentOf(await (await fetch(`${edge.url}/`, { headers: { cookie: `tailor_uid=${uid}` } })).text());
        assert.equal(fresh.features.hero.value, 'green');
      }
    } finally {
      await edge.stop();
      origin.close();
    }
  });

  test('broken definitions: the page goes out with its defaults and the error named', async () => {
    const origin = await startOrigin();
    const edge = await startEdge(origin, '{"features":');
    try {
      const res = await fetch(`${edge.url}/`);
      assert.equal(res.status, 200);
      const html = await res.text();
      const a = assignmentOf(html);
      assert.deepEqual(a.features, {});
      assert.deepEqual(a.warnings.map((w) => [w.source, w.code]), [['definitions', 'invalid_json']]);
      assert.deepEqual(heroes(html), ['blue']);
    } finally {
      await edge.stop();
      origin.close();
    }
  });
});

describe('in Chromium: the page arrives decided and the browser reads the same assignment from the cookie', () => {
  test('only the assigned variant is ever in the DOM; the browser core keeps it under new weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-edge-page-'));
    const changed = { ...features, hero: { ...features.hero, rules: [{ ...features.hero.rules[0], weights: [0, 0, 1] }] } };
    writeFileSync(join(dir, 'features.json'), JSON.stringify({ changed }));
    // The inline classic script runs while the HTML is parsed, before the first paint.
    writeFileSync(join(dir, 'index.html'), page.replace('</body>', `<script>window.parsedVariants =
  [...document.querySelectorAll('[data-tailor-variant]')].map((e) => e.getAttribute('data-tailor-variant'));</script>
<script type="module">
  import { TailorCore, evalAll, stickyCookieDecode } from '/pkg/index.mjs';
  try {
    const core = await TailorCore.load();
    const edge = JSON.parse(document.getElementById('tailor-assignment').textContent);
    const cookie = document.cookie.split('; ').find((c) => c.startsWith('tailor_sb='));
    const docs = stickyCookieDecode(core, cookie.slice('tailor_sb='.length)).stickyBucketAssignmentDocs;
    const { changed } = await (await fetch('/features.json')).json();
    const browser = evalAll(core, { attributes: { id: edge.uid }, features: changed, stickyBucketAssignmentDocs: docs });
    window.result = { uid: edge.uid, edge: edge.features.hero.value, browser: browser.features.hero.value,
      sticky: browser.features.hero.experimentResult.stickyBucketUsed };
  } catch (e) {
    window.result = { error: String(e?.stack ?? e) };
  }
  document.title = 'done';
</script></body>`));
    const origin = await startStaticServer({ mounts: { '/': dir, '/pkg/': join(root, 'build/wasm/pkg') } });
    const edge = await startEdge({ address: new URL(origin.url).host }, JSON.stringify({ features }));
    const browser = await launchChromium();
    try {
      const seen = new Map();
      for (let i = 0; i < 6; i++) {
        await browser.context.clearCookies();
        await browser.page.goto(`${edge.url}/`);
        await browser.page.waitForFunction(() => document.title === 'done', null, { timeout: 20000 });
        const { result, parsed } = await browser.page.evaluate(() => ({ result: window.result, parsed: window.parsedVariants }));
        assert.equal(result.error, undefined, result.error);
        assert.equal(result.edge, sdkHero(result.uid).value);
        assert.deepEqual(parsed, [result.edge], 'the other variants never reach the DOM');
        assert.equal(result.browser, result.edge, 'the browser keeps the edge assignment through the cookie');
        assert.equal(result.sticky, true);
        seen.set(result.edge, (seen.get(result.edge) ?? 0) + 1);
      }
      assert.deepEqual(browser.errors, []);
      assert.ok(seen.size >= 1);
    } finally {
      await browser.close();
      await edge.stop();
      await origin.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sticky cookie stays within 1 KB, evicting the least recently used assignments', () => {
  test('two pages with 45 experiments each: the newest page is kept whole, the older one in part', async () => {
    const many = {};
    for (const path of ['a', 'b']) {
      for (let i = 0; i < 45; i++) {
        // GrowthBook looks sticky assignments up by variation meta key: without `meta` nothing is sticky.
        many[`${path}${i}`] = { defaultValue: 0, rules: [{ key: `exp-${path}${i}`, condition: { path: `/${path}` }, variations: [0, 1, 2],
          meta: [{ key: 'x' }, { key: 'y' }, { key: 'z' }] }] };
      }
    }
    const origin = await startOrigin();
    const edge = await startEdge(origin, JSON.stringify({ features: many }));
    const core = await TailorCore.load();
    try {
      const visit = async (path, cookie) => {
        const res = await fetch(`${edge.url}${path}`, { headers: { cookie } });
        const html = await res.text();
        return { set: cookiesOf(res), a: assignmentOf(html) };
      };
      const kept = (sb) => Object.keys(stickyCookieDecode(core, sb).stickyBucketAssignmentDocs['id||lru-1'].assignments);
      const first = await visit('/a', 'tailor_uid=lru-1');
      assert.equal(kept(first.set.tailor_sb).length, 45);
      const second = await visit('/b', `tailor_uid=lru-1; tailor_sb=${first.set.tailor_sb}`);
      const sb = second.set.tailor_sb;
      assert.ok(sb.length <= 1024, `${sb.length} bytes`);
      const names = kept(sb);
      for (let i = 0; i < 45; i++) assert.ok(names.includes(`exp-b${i}__0`), `exp-b${i} (newest) is kept`);
      const olds = names.filter((n) => n.startsWith('exp-a'));
      assert.ok(olds.length > 0 && olds.length < 45, `${olds.length} of the older page's assignments kept`);
      // Back on /a: what was kept is sticky; what was evicted is re-bucketed by hash (the same value here).
      const third = await visit('/a', `tailor_uid=lru-1; tailor_sb=${sb}`);
      for (let i = 0; i < 45; i++) {
        const r = third.a.features[`a${i}`].experimentResult;
        assert.equal(r.variationId, first.a.features[`a${i}`].experimentResult.variationId);
        assert.equal(r.stickyBucketUsed, olds.includes(`exp-a${i}__0`), `a${i}`);
      }
    } finally {
      await edge.stop();
      origin.close();
    }
  });
});

describe('the sticky cookie keeps the core\'s least-recently-used order (tests/vectors/sticky-lru.json)', () => {
  test('the same page views write the cookie bytes the core writes natively and the SDK writes in Chromium', async () => {
    const origin = await startOrigin();
    let edge = null;
    let running = null;
    let cookie = '';
    try {
      for (const [i, step] of STICKY_LRU.steps.entries()) {
        if (step.definitions !== running) { // new definitions: a new deployment of the worker
          await edge?.stop();
          edge = await startEdge(origin, JSON.stringify(STICKY_LRU.definitions[step.definitions]));
          running = step.definitions;
        }
        const res = await fetch(`${edge.url}${step.path}`, { headers: { cookie: `tailor_uid=${STICKY_LRU.uid}${cookie ? `; tailor_sb=${cookie}` : ''}` } });
        assert.equal(assignmentOf(await res.text()).features.hero.value, step.hero, `step ${i + 1}`);
        const set = cookiesOf(res).tailor_sb;
        assert.equal(set === undefined, step.cookie === cookie, `step ${i + 1}: the cookie is written when it changes`);
        cookie = set ?? cookie;
        assert.equal(cookie, step.cookie, `step ${i + 1}`);
      }
    } finally {
      await edge?.stop();
      origin.close();
    }
  });
});
