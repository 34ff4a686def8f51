// Bench worker for bench/experiment-edge.mjs (workerd): a page's assignment
// (every feature for one shopper) by Tailor (wasm core, GrowthBookDefinitions)
// and by @growthbook/growthbook (its ESM bundle) in the same isolate, for `k`
// shoppers per request. Time does not advance inside a workerd request, so the
// bench times requests from outside: (T(k = K) - T(k = 1)) / (K - 1) is the
// in-worker cost of one shopper's assignment.
// POST /tailor | /growthbook | /noop  body {features, shoppers: [attributes], k, fresh}
//   fresh: a new core and definitions for the request, as edge/worker.mjs does;
//   otherwise one kept across requests.
import { TailorCore, GrowthBookDefinitions } from './pkg/index.mjs';
import wasmModule from './pkg/tailor_core.wasm';
import { GrowthBook } from './growthbook.mjs';

let kept; // {core, defs, text} reused across requests (fresh = false)

const reply = (text, status = 200) => new Response(text, { status, headers: { 'content-type': 'application/json' } });

async function tailorDefs(featuresText, fresh) {
  if (!fresh && kept?.text === featuresText) return kept;
  const core = await TailorCore.load(wasmModule);
  const defs = GrowthBookDefinitions.load(core, featuresText);
  if (fresh) return { core, defs, text: featuresText };
  kept?.defs.close();
  kept = { core, defs, text: featuresText };
  return kept;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return reply('{}');
    const body = await request.json();
    const { shoppers, k = 1, fresh = false } = body;
    const featuresText = JSON.stringify({ features: body.features });
    const out = [];
    if (url.pathname === '/tailor') {
      const t = await tailorDefs(featuresText, fresh);
      try {
        for (let i = 0; i < k; ++i) out.push(t.defs.evalAll({ attributes: shoppers[i % shoppers.length] }).features);
      } finally {
        if (fresh) t.defs.close();
      }
    } else if (url.pathname === '/growthbook') {
      for (let i = 0; i < k; ++i) {
        const gb = new GrowthBook({ attributes: shoppers[i % shoppers.length], features: body.features });
        const page = {};
        for (const key of Object.keys(body.features)) page[key] = gb.evalFeature(key);
        gb.destroy();
        out.push(page);
      }
    } else if (url.pathname !== '/noop') {
      return reply('{"error":"no route"}', 404);
    }
    // Only the last page goes back (the client checks it); JSON of k pages would dominate.
    return reply(JSON.stringify(out.length ? out[out.length - 1] : null));
  },
};
