// The golden operations, run identically in Node and in Chromium: each takes
// the request's strings and returns the core's output text unchanged. JS only
// moves bytes here; the comparison is on what the core printed.

/** The core takes at most this many events per track() call. */
const BATCH = 1000;

/**
 * op name -> (pkg, core, input) => output text. `pkg` is the wasm package's
 * module namespace (build/wasm/pkg/index.mjs), `core` a loaded TailorCore.
 */
export const ops = {
  // input: the event's JSON text. Output: the core's envelope.
  'event.decode': (pkg, core, input) => core.raw.decodeEvent(input),
  // input: {catalog, catalog_format, config, events (JSON Lines), state, now}, all text
  // but now. Output: the profile JSON text, as `tailor profile --strict` prints it.
  profile: async (pkg, core, input) => {
    const tailor = await pkg.Tailor.load({ catalog: input.catalog, catalogFormat: input.catalog_format,
      config: input.config, state: input.state ?? undefined, wasm: core });
    try {
      const lines = input.events.split('\n').filter((l) => l.trim().length > 0);
      for (let i = 0; i < lines.length; i += BATCH) {
        const r = tailor.track(`[${lines.slice(i, i + BATCH).join(',')}]`, { now: input.now });
        if (r.rejected.length) return `!rejected: ${JSON.stringify(r.rejected)}`;
      }
      return tailor.profileText({ now: input.now });
    } finally {
      tailor.close();
    }
  },
  // input: {kind: render|preview|check, template, data, options, platform, request}, all text.
  // Output: the core's envelope, as `tailor render|check --format envelope` prints it.
  copy: (pkg, core, input) => {
    const raw = core.raw;
    if (input.kind === 'render') return raw.copyRenderOnce(input.template, input.data, input.options);
    if (input.kind === 'preview') return raw.copyPreview(input.template, input.data, input.platform, input.options);
    if (input.kind === 'check') return raw.copyCheck(input.request);
    throw new Error(`unknown copy op ${input.kind}`);
  },
  // input: {bundle (base64), request (JSON text)}. Output: the decision JSON text, as
  // `tailor recommend` prints it (the envelope's value, spliced out unchanged).
  recommend: (pkg, core, input) => {
    const bytes = Uint8Array.from(atob(input.bundle), (c) => c.charCodeAt(0));
    const handle = new core.raw.RecommenderHandle();
    try {
      const opened = handle.open(bytes);
      if (!opened.startsWith('{"ok":true')) return `!open: ${opened}`;
      const envelope = handle.recommend(input.request);
      const prefix = '{"ok":true,"value":';
      return envelope.startsWith(prefix) ? envelope.slice(prefix.length, -1) : `!error: ${envelope}`;
    } finally {
      handle.delete();
    }
  },
};

/** Runs every case; an exception becomes an output that can never match a golden. */
export async function runCases(pkg, core, cases) {
  const out = {};
  for (const c of cases) {
    const op = ops[c.op];
    try {
      if (!op) throw new Error(`unknown op ${c.op}`);
      out[c.id] = await op(pkg, core, c.input);
    } catch (err) {
      out[c.id] = `!exception: ${err?.message ?? err}`;
    }
  }
  return out;
}
