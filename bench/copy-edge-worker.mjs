// Bench worker for bench/copy-edge.mjs (workerd): parse + render of one
// template, by Tailor (wasm core, JS API) and by liquidjs (browser ESM build),
// `k` times per request. Time does not advance inside a workerd request, so
// the bench times requests from outside: (T(k = K) - T(k = 1)) / (K - 1) is
// the in-worker cost of one parse + render.
// POST /tailor | /liquidjs | /noop  body {template, data, k, fresh}
//   fresh: instantiate a new Tailor core for the request, as edge/worker.mjs does.
import { TailorCore, Copy } from './pkg/index.mjs';
import wasmModule from './pkg/tailor_core.wasm';
import { Liquid } from './liquid.mjs';

let shared; // a core kept across requests (fresh = false)

const reply = (text, status = 200) => new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return reply('ok');
    const { template, data, k = 1, fresh = false } = await request.json();
    let out = '';
    if (url.pathname === '/tailor') {
      const core = fresh ? await TailorCore.load(wasmModule) : (shared ??= await TailorCore.load(wasmModule));
      const copy = new Copy(core);
      for (let i = 0; i < k; ++i) {
        const t = copy.compile(template);
        try { out = t.render(data).text; } finally { t.close(); }
      }
    } else if (url.pathname === '/liquidjs') {
      const engine = new Liquid({ cache: false });
      for (let i = 0; i < k; ++i) out = engine.parseAndRenderSync(template, data);
    } else if (url.pathname !== '/noop') {
      return reply('no route', 404);
    }
    return reply(out);
  },
};
