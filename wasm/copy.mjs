// Marketing copy over the wasm core: Liquid templates compiled once and
// rendered many times, preview per platform, checks, variants. JS only moves
// bytes; the core renders, measures, scores and checks.
import { unwrap } from './index.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v ?? {}));
const optionsText = (o) => (o === undefined || o === null ? '' : JSON.stringify(o));
const rawOf = (core) => (core && core.raw ? core.raw : core);

// ---- render(compiled, plainObject): the data the template can read, straight into wasm memory.
// compile() lists the data subtrees the template can read (data_paths); only those are
// serialized, exactly as JSON.stringify(data) would serialize them, and written with
// TextEncoder.encodeInto into a buffer of the core, which renders it and lays the result
// out as words in its memory (no Embind strings, no JSON envelope).
const isEnumerable = Object.prototype.propertyIsEnumerable;
/** copy::limits::max_data_bytes: larger data goes the JSON-text way, which reports the limit. */
const MAX_DATA_BYTES = 1 << 20;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * data_paths (sorted, none inside another) → a plan: one level per object, as parallel arrays
 * of keys, their JSON text and the plan below each key (null: the whole subtree).
 */
function planOf(paths) {
  const root = new Map();
  for (const path of paths) {
    let level = root;
    path.forEach((key, i) => {
      if (i === path.length - 1) { level.set(key, null); return; }
      if (!(level.get(key) instanceof Map)) level.set(key, new Map());
      level = level.get(key);
    });
  }
  const freeze = (level) => {
    const plan = { keys: [], json: [], below: [] };
    for (const [k, c] of level) {
      plan.keys.push(k);
      plan.json.push(`${JSON.stringify(k)}:`);
      plan.below.push(c === null ? null : freeze(c));
    }
    return plan;
  };
  return freeze(root);
}

/** An object JSON.stringify writes member by member: plain (not an array, class instance, Date, …), no toJSON. */
const isPlainObject = (v) => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof v.toJSON !== 'function';
};

/** JSON text of `v` held under `key`, as JSON.stringify(holder) writes it (undefined: left out). */
function member(key, v) {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? `${v}` : 'null';
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': case 'function': case 'symbol': return undefined;
    default:
      if (v !== null && typeof v.toJSON === 'function') {
        const w = JSON.stringify({ [key]: v }); // toJSON sees its key, as in JSON.stringify(holder)
        return w === '{}' ? undefined : w.slice(JSON.stringify(key).length + 2, -1);
      }
      return JSON.stringify(v);
  }
}

/** JSON text of obj cut to `plan`, each kept member as JSON.stringify(obj) writes it. */
function project(obj, plan) {
  const { keys, json, below } = plan;
  let s = '{';
  for (let i = 0; i < keys.length; ++i) {
    const key = keys[i];
    if (!isEnumerable.call(obj, key)) continue;
    const v = obj[key];
    const t = below[i] !== null && isPlainObject(v) ? project(v, below[i]) : member(key, v);
    if (t === undefined) continue;
    s += s.length === 1 ? json[i] + t : `,${json[i]}${t}`;
  }
  return `${s}}`;
}

// Views of wasm memory per module, renewed when memory growth detaches them.
const heaps = new WeakMap();
function heapOf(raw) {
  let h = heaps.get(raw);
  if (!h || h.u8.byteLength === 0) {
    const buffer = raw.copyHeap().buffer;
    h = { u8: new Uint8Array(buffer), u32: new Uint32Array(buffer) };
    heaps.set(raw, h);
  }
  return h;
}

// TextDecoder beats String.fromCharCode over the bytes even for short ASCII text.
const textAt = (u8, p, n) => (n === 0 ? '' : decoder.decode(u8.subarray(p, p + n)));

function textsAt(h, from, n) {
  const out = new Array(n);
  for (let k = 0; k < n; ++k) out[k] = textAt(h.u8, h.u32[from + 2 * k], h.u32[from + 2 * k + 1]);
  return out;
}

/** Render data bound once in the core (parsed and validated); reuse it across renders. */
export class CopyData {
  #h;
  constructor(raw, data) {
    this.#h = new raw.CopyData();
    try {
      unwrap(this.#h.load(toText(data)));
    } catch (e) {
      this.#h.delete();
      throw e;
    }
  }
  get handle() { return this.#h; }
  close() { if (this.#h) { this.#h.delete(); this.#h = null; } }
  [Symbol.dispose]() { this.close(); }
}

/** A compiled Liquid template. Immutable; render it as often as needed; close() when done. */
export class CompiledTemplate {
  #h;
  #raw;
  #variables;
  #plan;
  #input = 0;      // address and size of the core's input buffer
  #inputSize = 0;
  #inputView = null; // Uint8Array over the input buffer
  #mem;              // views of wasm memory (heapOf)
  #options;        // options text set in the core for render_input (undefined: none yet)
  #self = 0;       // the template's address, for the direct export (no Embind dispatch)
  #renderInput;
  constructor(raw, source) {
    this.#raw = raw;
    this.#h = new raw.CopyTemplate();
    try {
      const c = unwrap(this.#h.compile(String(source)));
      this.#variables = c.variables;
      this.#plan = planOf(c.data_paths);
      this.#renderInput = raw._tailor_copy_render_input;
      this.#self = this.#h.address();
    } catch (e) {
      this.#h.delete();
      throw e;
    }
  }
  /** Root variable names the template reads. */
  get variables() { return this.#variables; }
  /** Renders with data (object, JSON text, or CopyData) and options. */
  render(data, options) {
    if (!this.#h) throw new Error('CompiledTemplate is closed');
    const opt = optionsText(options);
    if (isPlainObject(data)) return this.#renderObject(data, opt);
    const env = data instanceof CopyData ? this.#h.renderData(data.handle, opt) : this.#h.render(toText(data), opt);
    return unwrap(env);
  }
  #renderObject(data, opt) {
    const h = this.#h;
    if (opt !== this.#options) {
      this.#options = undefined;
      unwrap(h.setOptions(opt));
      this.#options = opt;
    }
    const text = project(data, this.#plan);
    // Beyond the core's data limit: the JSON-text path reports it (limit_exceeded).
    if (text.length > MAX_DATA_BYTES) return unwrap(h.render(text, opt));
    // UTF-8 needs at most 3 bytes per UTF-16 unit; the buffer never outgrows the limit.
    const need = Math.min(Math.max(text.length * 3, 256), MAX_DATA_BYTES);
    if (this.#inputSize < need) {
      this.#inputSize = need;
      this.#input = h.inputBuffer(need);
      this.#inputView = null;
    }
    if (this.#inputView === null || this.#inputView.byteLength === 0) { // new buffer, or memory grew
      this.#inputView = heapOf(this.#raw).u8.subarray(this.#input, this.#input + this.#inputSize);
    }
    const { read, written } = encoder.encodeInto(text, this.#inputView);
    if (read < text.length) return unwrap(h.render(text, opt));
    const w = this.#renderInput(this.#self, written) >>> 2;
    if (w === 0) throw new Error('copy: out of memory while rendering');
    let m = this.#mem;
    if (m === undefined || m.u8.byteLength === 0) m = this.#mem = heapOf(this.#raw); // memory may have grown
    const u32 = m.u32;
    if (u32[w] !== 0) return unwrap(textAt(m.u8, u32[w + 1], u32[w + 2]));
    const nu = u32[w + 7];
    const nd = u32[w + 8];
    return {
      defaulted: nd === 0 ? [] : textsAt(m, w + 9 + 2 * nu, nd),
      memory_bytes: u32[w + 5] + u32[w + 6] * 2 ** 32,
      steps: u32[w + 3] + u32[w + 4] * 2 ** 32,
      text: textAt(m.u8, u32[w + 1], u32[w + 2]),
      unresolved: nu === 0 ? [] : textsAt(m, w + 9, nu),
    };
  }
  /** Fast path: only the text, rendered with bound CopyData. Throws TailorError on failure. */
  renderText(data, options) {
    if (!this.#h) throw new Error('CompiledTemplate is closed');
    if (!(data instanceof CopyData)) return this.render(data, options).text;
    const out = this.#h.renderText(data.handle, optionsText(options));
    if (out.charCodeAt(0) === 1) return out.slice(1);
    return unwrap(out);
  }
  close() { if (this.#h) { this.#h.delete(); this.#h = null; } }
  [Symbol.dispose]() { this.close(); }
}

/** The copy API bound to a loaded core (TailorCore or the raw module). */
export class Copy {
  #m;
  constructor(core) { this.#m = rawOf(core); }
  /** Parses a template once. Errors: TailorError with code and `where` = "line:col". */
  compile(source) { return new CompiledTemplate(this.#m, source); }
  /** Binds data once for many renders. */
  data(data) { return new CopyData(this.#m, data); }
  /** render(compiled, data, options) → { text, unresolved, defaulted, steps, memory_bytes }. */
  render(compiled, data, options) { return compiled.render(data, options); }
  /**
   * Renders for a shopper on a platform ("sms", "google_ads_rsa.headline", …), adapts the
   * text to the platform's limit and scores it. `shopper` is the shopper's profile, or a
   * full data object with a `shopper` key (plus product, recommendations, …).
   */
  preview(source, shopper, platform, options) {
    const data = shopper && typeof shopper === 'object' && 'shopper' in shopper ? shopper : { shopper: shopper ?? {} };
    return unwrap(this.#m.copyPreview(String(source), toText(data), String(platform), optionsText(options)));
  }
  /** Scores and checks finished text: { score, parts, issues, hits, sms, graphemes, utf16, bytes, width }. */
  check(text, { platform = '', field = '', unresolved, defaulted, siblings, lexicon } = {}) {
    const req = { text: String(text), platform, field };
    if (unresolved) req.unresolved = unresolved;
    if (defaulted) req.defaulted = defaulted;
    if (siblings) req.siblings = siblings;
    if (lexicon) req.lexicon = lexicon;
    return unwrap(this.#m.copyCheck(JSON.stringify(req)));
  }
  /** N distinct variants of a template with [[a|b]] / [[?optional]] alternatives, best first. */
  variants(source, data, platform, n, options) {
    return unwrap(this.#m.copyVariants(String(source), toText(data), String(platform ?? ''), n | 0, optionsText(options)));
  }
  /** Built-in platform profiles with each limit's source. */
  platforms() { return unwrap(this.#m.copyPlatforms()); }
  /** SMS encoding and segments of a message. */
  smsSegments(text) { return unwrap(this.#m.copySms(String(text))); }
  /** Truncates to `max` in `unit` on a word or grapheme boundary. */
  truncate(text, unit, max, ellipsis = '…') { return unwrap(this.#m.copyTruncate(String(text), unit, max | 0, ellipsis)); }
  /** Index of the longest candidate that fits in `max` `unit`s (-1 if none) and its length. */
  longestFitting(candidates, unit, max) {
    return unwrap(this.#m.copyLongestFitting(JSON.stringify(candidates), unit, max | 0));
  }
}
