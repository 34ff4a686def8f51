// Tailor's edge worker (Cloudflare Workers / workerd module syntax).
// The core makes every decision; this file only moves bytes between HTTP and
// the wasm module. Module scope holds only the compiled WebAssembly.Module:
// each request instantiates its own core, so no shopper's state can leak into
// another request. Named exports of this module must be handlers (workerd
// rejects anything else), so constants stay private.
import { TailorCore } from './pkg/index.mjs';
import wasmModule from './pkg/tailor_core.wasm';

/** Largest request body accepted, in bytes (the core's own JSON limit is 4 MiB). */
const MAX_BODY_BYTES = 4 << 20;
/** Largest single event, in bytes (limits::max_event_bytes in the core). */
const MAX_EVENT_BYTES = 16 << 10;

const JSON_TYPE = 'application/json; charset=utf-8';

function reply(status, text, extra = {}) {
  return new Response(text, {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...extra },
  });
}

/** An error in the core's envelope shape, for failures outside the core. */
function failure(status, code, message, where = '') {
  return reply(status, JSON.stringify({ ok: false, code, message, where }));
}

/** Reads the body as UTF-8 text, refusing more than max bytes without buffering them. */
async function readBody(request, max) {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) return { tooLarge: true };
  if (!request.body) return { text: '' };
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(bytes) };
}

/** The core's envelope becomes the response body as is; its status follows `ok`. */
function envelopeResponse(envelope) {
  const ok = envelope.startsWith('{"ok":true');
  return reply(ok ? 200 : 422, envelope);
}

const routes = {
  'GET /healthz': async () => {
    const core = await TailorCore.load(wasmModule);
    return reply(200, JSON.stringify({ ok: true, version: core.version() }));
  },
  // Body: one event as JSON. Answer: the core's envelope with the canonical event.
  'POST /v1/events/decode': async (request) => {
    const body = await readBody(request, MAX_EVENT_BYTES);
    if (body.tooLarge) {
      return failure(413, 'limit_exceeded', `an event is at most ${MAX_EVENT_BYTES} bytes`);
    }
    const core = await TailorCore.load(wasmModule);
    return envelopeResponse(core.raw.decodeEvent(body.text));
  },
};

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const route = routes[`${request.method} ${url.pathname}`];
    if (!route) {
      const known = Object.keys(routes).some((r) => r.endsWith(` ${url.pathname}`));
      return known
        ? failure(405, 'method_not_allowed', `${request.method} is not allowed on ${url.pathname}`)
        : failure(404, 'not_found', `no route ${url.pathname}`);
    }
    try {
      return await route(request, env, ctx);
    } catch (err) {
      return failure(500, 'internal', String(err?.message ?? err));
    }
  },
};
