// Marketing copy over the wasm core: Liquid templates compiled once and
// rendered many times, preview per platform, checks, variants. JS only moves
// bytes; the core renders, measures, scores and checks.
import { unwrap } from './index.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v ?? {}));
const optionsText = (o) => (o === undefined || o === null ? '' : JSON.stringify(o));
const rawOf = (core) => (core && core.raw ? core.raw : core);

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
  #variables;
  constructor(raw, source) {
    this.#h = new raw.CopyTemplate();
    try {
      this.#variables = unwrap(this.#h.compile(String(source))).variables;
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
    const env = data instanceof CopyData ? this.#h.renderData(data.handle, opt) : this.#h.render(toText(data), opt);
    return unwrap(env);
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
