// Marketing copy over the wasm core: Liquid templates compiled once and
// rendered many times, preview per platform, checks, variants. JS only moves
// bytes; the core renders, measures, scores and checks.
import { unwrap } from './index.mjs';
import { compileWriter, isPlainObject, planOf, writeData } from './copy_data.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v ?? {}));
const optionsText = (o) => (o === undefined || o === null ? '' : JSON.stringify(o));
const rawOf = (core) => (core && core.raw ? core.raw : core);

// ---- render(compiled, plainObject): the data the template can read, straight into wasm memory.
// compile() lists the parts of the data the template can read (data_paths); only those are
// written (copy_data.mjs), as JSON.stringify(data) would write them, into a buffer of the
// core, which renders them and lays the result out as words in its memory (no Embind
// strings, no JSON envelope).
/** copy::limits::max_data_bytes: the core reports larger data (limit_exceeded) without reading it. */
const MAX_DATA_BYTES = 1 << 20;
/** Object renders of a template before its data writer is generated. */
const WRITER_TIER = 8;
const decoder = new TextDecoder();

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
  #input = 0;        // address and size of the core's input buffer
  #inputSize = 0;
  #inputView = null; // Uint8Array over the input buffer (empty once memory growth detaches it)
  #mem;              // views of wasm memory (heapOf)
  #options;          // options text set in the core for render_input (undefined: none yet)
  #self = 0;         // the template's address, for the direct export (no Embind dispatch)
  #renderInput;
  #writing = false;  // data is being written (a getter or toJSON may call back)
  // The data writer: the plan walk at first; a writer generated for the plan from the
  // WRITER_TIER-th object render on (not on the cold path), where code generation is allowed.
  #write = (view, data) => writeData(view, data, this.#plan);
  #objectRenders = 0;
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
    if (isPlainObject(data)) return this.#renderObject(data, opt, false);
    const env = data instanceof CopyData ? this.#h.renderData(data.handle, opt) : this.#h.render(toText(data), opt);
    return unwrap(env);
  }
  /** Only the text. Throws TailorError on failure. */
  renderText(data, options) {
    if (!this.#h) throw new Error('CompiledTemplate is closed');
    if (isPlainObject(data)) return this.#renderObject(data, optionsText(options), true);
    if (!(data instanceof CopyData)) return this.render(data, options).text;
    const out = this.#h.renderText(data.handle, optionsText(options));
    if (out.charCodeAt(0) === 1) return out.slice(1);
    return unwrap(out);
  }
  #renderObject(data, opt, textOnly) {
    if (opt !== this.#options) {
      this.#options = undefined;
      unwrap(this.#h.setOptions(opt));
      this.#options = opt;
    }
    const w = this.#renderInput(this.#self, this.#writeInput(data)) >>> 2;
    // Emscripten's export wrapper replaces itself with the wasm function on its first call.
    this.#renderInput = this.#raw._tailor_copy_render_input;
    if (w === 0) throw new Error('copy: out of memory while rendering');
    let m = this.#mem;
    if (m === undefined || m.u8.byteLength === 0) m = this.#mem = heapOf(this.#raw); // memory may have grown
    const u32 = m.u32;
    if (u32[w] !== 0) return unwrap(textAt(m.u8, u32[w + 1], u32[w + 2]));
    const text = textAt(m.u8, u32[w + 1], u32[w + 2]);
    if (textOnly) return text;
    const nu = u32[w + 7];
    const nd = u32[w + 8];
    return {
      defaulted: nd === 0 ? [] : textsAt(m, w + 9 + 2 * nu, nd),
      memory_bytes: u32[w + 5] + u32[w + 6] * 2 ** 32,
      steps: u32[w + 3] + u32[w + 4] * 2 ** 32,
      text,
      unresolved: nu === 0 ? [] : textsAt(m, w + 9, nu),
    };
  }
  /** Writes the data's JSON into the core's input buffer (grown as needed); its length in bytes. */
  #writeInput(data) {
    if (this.#writing) throw new Error('copy: render of a template called back while its data is being read (getter or toJSON)');
    if (++this.#objectRenders === WRITER_TIER) this.#write = compileWriter(this.#plan) ?? this.#write;
    this.#writing = true;
    try {
      for (;;) {
        let view = this.#inputView;
        if (view === null || view.byteLength === 0) { // no buffer yet, or memory grew
          if (this.#inputSize === 0) this.#growInput(4096);
          view = this.#inputView = heapOf(this.#raw).u8.subarray(this.#input, this.#input + this.#inputSize);
        }
        const n = this.#write(view, data);
        if (n <= view.length || n > MAX_DATA_BYTES) return n; // beyond the limit: the core reports it
        if (view.byteLength !== 0) this.#growInput(n);
      }
    } finally {
      this.#writing = false;
    }
  }
  #growInput(n) {
    let size = Math.max(this.#inputSize, 4096);
    while (size < n) size *= 2;
    this.#inputSize = Math.min(size, MAX_DATA_BYTES);
    this.#input = this.#h.inputBuffer(this.#inputSize);
    this.#inputView = null;
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
