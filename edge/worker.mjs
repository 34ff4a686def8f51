// Tailor's edge worker (Cloudflare Workers / workerd module syntax).
// The core makes every decision; this file only moves bytes between HTTP and
// the wasm module. Module scope holds only the compiled WebAssembly.Module:
// each request instantiates its own core, so no shopper's state can leak into
// another request. Named exports of this module must be handlers (workerd
// rejects anything else), so constants stay private.
import { Tailor, TailorCore, TailorError } from './pkg/index.mjs';
import wasmModule from './pkg/tailor_core.wasm';
import { STICKY_COOKIE, UID_COOKIE, assignShopper, cookiePlan, readCookies, rewritePage, setCookie } from './assign.mjs';

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

/**
 * Reads the body as UTF-8 text, keeping at most `max` bytes. A larger body is
 * read on and discarded (never buffered) up to DRAIN_FACTOR * max, so that a
 * client still uploading gets the 413 answer instead of a broken connection.
 */
const DRAIN_FACTOR = 16;
async function readBody(request, max) {
  if (!request.body) return { text: '' };
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  let tooLarge = Number.isFinite(declared) && declared > max;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) tooLarge = true;
    if (tooLarge) {
      chunks.length = 0;
      if (size > DRAIN_FACTOR * max) {
        await reader.cancel();
        break;
      }
      continue;
    }
    chunks.push(value);
  }
  if (tooLarge) return { tooLarge: true };
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

/** The core takes at most this many events per track() call. */
const MAX_EVENTS_PER_BATCH = 1000;

/** Text for the core: strings pass through untouched (same bytes everywhere), objects are serialized. */
const asText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Events (an array, or JSON Lines text) as JSON array texts of at most MAX_EVENTS_PER_BATCH events. */
function eventBatches(events) {
  const parts = Array.isArray(events)
    ? events.map((e) => JSON.stringify(e))
    : events.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const out = [];
  for (let i = 0; i < parts.length; i += MAX_EVENTS_PER_BATCH) {
    out.push(`[${parts.slice(i, i + MAX_EVENTS_PER_BATCH).join(',')}]`);
  }
  return out;
}

function coreFailure(err) {
  if (err instanceof TailorError) {
    return reply(422, JSON.stringify({ ok: false, code: err.code, errno: err.errno, message: err.message, where: err.where }));
  }
  throw err;
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
  // Body: {catalog?, catalog_format?, config?, state?, events, now}. `catalog`
  // defaults to the CATALOG text binding; config and state may be objects or
  // JSON text; events an array or JSON Lines text. Strict: one rejected event
  // fails the request (422), as `tailor profile --strict` does. Answer: the
  // core's profile JSON, byte for byte what `tailor profile` prints.
  'POST /v1/profile': async (request, env) => {
    const { req, refusal } = await readJsonObject(request);
    if (refusal) return refusal;
    const catalog = req.catalog ?? env?.CATALOG;
    if (typeof catalog !== 'string') {
      return failure(400, 'missing_field', 'catalog (JSON Lines or CSV text) is required: this worker has no CATALOG binding', 'catalog');
    }
    if (!Number.isSafeInteger(req.now) || req.now < 0) {
      return failure(400, 'invalid_field', 'now must be a non-negative integer of UTC milliseconds', 'now');
    }
    if (!Array.isArray(req.events) && typeof req.events !== 'string') {
      return failure(400, 'missing_field', 'events must be an array or JSON Lines text', 'events');
    }
    const format = req.catalog_format ?? 'jsonl';
    const core = await TailorCore.load(wasmModule);
    let tailor;
    try {
      tailor = await Tailor.load({ catalog, catalogFormat: format, config: asText(req.config ?? {}),
        state: req.state === undefined || req.state === null ? undefined : asText(req.state), wasm: core });
      for (const batch of eventBatches(req.events)) {
        const r = tailor.track(batch, { now: req.now });
        if (r.rejected.length) {
          const first = r.rejected[0];
          return reply(422, JSON.stringify({ ok: false, code: first.code, errno: first.errno,
            message: `${r.rejected.length} event(s) rejected; first: ${first.message}`, where: first.where, rejected: r.rejected }));
        }
      }
      return reply(200, tailor.profileText({ now: req.now }));
    } catch (err) {
      return coreFailure(err);
    } finally {
      tailor?.close();
    }
  },
  // Marketing copy. Bodies carry the template as text, data and options as
  // objects or JSON text. Answers: the core's envelopes, byte for byte what
  // `tailor render|check --format envelope` prints (tests/golden/copy).
  // {template, data?, options?} -> {text, unresolved, defaulted, steps, memory_bytes}
  'POST /v1/copy/render': (request) => copyRoute(request, (raw, req) =>
    raw.copyRenderOnce(String(req.template ?? ''), asText(req.data ?? {}), optionsOf(req))),
  // {template, data?, platform, options?} -> {text, rendered, truncated, length, width, segments, sms, score, parts, issues, hits}
  'POST /v1/copy/preview': (request) => copyRoute(request, (raw, req) =>
    raw.copyPreview(String(req.template ?? ''), asText(req.data ?? {}), String(req.platform ?? ''), optionsOf(req))),
  // {text, platform?, field?, unresolved?, defaulted?, siblings?, lexicon?}: the body goes to the core as sent.
  'POST /v1/copy/check': (request) => copyRoute(request, (raw, req, text) => raw.copyCheck(text)),
  // {bundle?: base64, request: object | JSON text}; the bundle defaults to the BUNDLE
  // data binding. Answer: the decision JSON, byte for byte what `tailor recommend` prints
  // (200), or the core's error envelope (422).
  'POST /v1/recommend': async (request, env) => {
    const { req, refusal } = await readJsonObject(request);
    if (refusal) return refusal;
    let bytes;
    try {
      bytes = bundleBytes(req.bundle, env);
    } catch {
      return failure(400, 'invalid_field', 'bundle must be base64 text', 'bundle');
    }
    if (!bytes) return failure(400, 'missing_field', 'bundle (base64) is required: this worker has no BUNDLE binding', 'bundle');
    const core = await TailorCore.load(wasmModule);
    const handle = new core.raw.RecommenderHandle();
    try {
      const opened = handle.open(bytes);
      if (!opened.startsWith('{"ok":true')) return reply(422, opened);
      const envelope = handle.recommend(asText(req.request ?? {}));
      const prefix = '{"ok":true,"value":';
      return envelope.startsWith(prefix) ? reply(200, envelope.slice(prefix.length, -1)) : reply(422, envelope);
    } finally {
      handle.delete();
    }
  },
  // A GrowthBook user context ({attributes, url?, stickyBucketAssignmentDocs?,
  // trackedExperiments?, ...}) evaluated against the FEATURES binding. Answer: the
  // core's envelope around {features, exposures, stickyBucketAssignmentDocs?}.
  'POST /v1/assign': async (request, env) => {
    if (typeof env?.FEATURES !== 'string') return failure(404, 'not_found', 'this worker has no FEATURES binding');
    const body = await readBody(request, MAX_BODY_BYTES);
    if (body.tooLarge) return failure(413, 'limit_exceeded', `the body is at most ${MAX_BODY_BYTES} bytes`);
    const core = await TailorCore.load(wasmModule);
    const defs = new core.raw.GbDefinitions();
    try {
      const loaded = defs.load(env.FEATURES);
      if (!loaded.startsWith('{"ok":true')) return reply(500, loaded);
      return envelopeResponse(defs.evalAll(body.text));
    } finally {
      defs.delete();
    }
  },
};

/**
 * A page from the ORIGIN service, with every feature assigned at the edge and
 * written into the HTML (edge/assign.mjs). Anything but a 200 text/html answer
 * passes through untouched. When the definitions are broken the page still
 * goes out, with no assignment (its defaults) and the warning in the page.
 */
async function personalizePage(request, env) {
  const upstream = await env.ORIGIN.fetch(request);
  const type = upstream.headers.get('content-type') ?? '';
  if (upstream.status !== 200 || !type.startsWith('text/html') || typeof env.FEATURES !== 'string') return upstream;
  const cookies = readCookies(request.headers.get('cookie'));
  const { uid, fresh, write, warnings } = cookiePlan(env.ASSIGN_COOKIES, cookies);
  const secure = new URL(request.url).protocol === 'https:';
  const headers = new Headers(upstream.headers);
  headers.delete('content-length');
  headers.set('cache-control', 'private, no-store');
  if (fresh) headers.append('set-cookie', setCookie(UID_COOKIE, uid, secure));
  const core = await TailorCore.load(wasmModule);
  let assignment;
  try {
    const { host, pathname } = new URL(request.url);
    const stickyCookie = uid ? cookies.get(STICKY_COOKIE) : undefined;
    const a = assignShopper(core, env.FEATURES, { uid, url: request.url, stickyCookie,
      attributes: { url: request.url, path: pathname, host } });
    if (write && a.stickyCookie !== stickyCookie) headers.append('set-cookie', setCookie(STICKY_COOKIE, a.stickyCookie, secure));
    assignment = { uid: uid || null, features: a.features, exposures: a.exposures, warnings: [...warnings, ...a.warnings] };
  } catch (err) {
    if (!(err instanceof TailorError)) throw err;
    assignment = { uid: uid || null, features: {}, exposures: [],
      warnings: [...warnings, { source: 'definitions', code: err.code, message: err.message }] };
  }
  const page = new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
  return rewritePage(page, assignment);
}

/** The bundle bytes from base64 text (a request's `bundle`) or the BUNDLE data binding. */
function bundleBytes(b64, env) {
  if (typeof b64 === 'string') return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return env?.BUNDLE ? new Uint8Array(env.BUNDLE) : null;
}

const optionsOf = (req) => (req.options === undefined || req.options === null ? '' : asText(req.options));

async function copyRoute(request, run) {
  const { req, text, refusal } = await readJsonObject(request);
  if (refusal) return refusal;
  const core = await TailorCore.load(wasmModule);
  return envelopeResponse(run(core.raw, req, text));
}

/** A body that must be one JSON object (≤ MAX_BODY_BYTES): {req, text}, or {refusal} (413 / 400). */
async function readJsonObject(request) {
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body.tooLarge) return { refusal: failure(413, 'limit_exceeded', `the body is at most ${MAX_BODY_BYTES} bytes`) };
  let req;
  try {
    req = JSON.parse(body.text);
  } catch (err) {
    return { refusal: failure(400, 'invalid_json', `the body is not JSON: ${err.message}`) };
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return { refusal: failure(400, 'invalid_field', 'the body must be a JSON object') };
  }
  return { req, text: body.text };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const route = routes[`${request.method} ${url.pathname}`];
    if (!route && env?.ORIGIN && (request.method === 'GET' || request.method === 'HEAD')) {
      try {
        return await personalizePage(request, env);
      } catch (err) {
        return failure(500, 'internal', String(err?.message ?? err));
      }
    }
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
