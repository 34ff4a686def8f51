// Experiments and feature flags (GrowthBook-compatible) evaluated by the wasm
// core. Contexts are GrowthBook's JSON: {attributes, features, savedGroups,
// forcedVariations, url, qaMode, enabled, contextualBandits,
// stickyBucketAssignmentDocs, stickyBucketOrder, hashEncoding}. With sticky
// docs, results carry the updated docs and stickyBucketOrder (the core's
// least-recently-used order): both go to stickyCookieEncode as they are.
import { unwrap } from './index.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const rawOf = (core) => core.raw ?? core;

/**
 * assign(core, context, featureKey) -> {result: FeatureResult, stickyBucketAssignmentDocs?, stickyBucketOrder?}
 * assign(core, context, experiment) -> {result: Result, stickyBucketAssignmentDocs?, stickyBucketOrder?}
 */
export function assign(core, context, featureOrExperiment) {
  const m = rawOf(core);
  if (typeof featureOrExperiment === 'string') {
    return unwrap(m.gbEvalFeature(toText(context), featureOrExperiment));
  }
  return unwrap(m.gbRunExperiment(toText(context), toText(featureOrExperiment)));
}

/** Every feature of the context at once: {features: {key: FeatureResult}, exposures, stickyBucketAssignmentDocs?, stickyBucketOrder?}. */
export function evalAll(core, context) {
  return unwrap(rawOf(core).gbEvalAll(toText(context)));
}

/** Auto experiments (context.experiments + url): {tracked: [...], redirectUrl}. */
export function evalAutoExperiments(core, context) {
  return unwrap(rawOf(core).gbAutoExperiments(toText(context)));
}

/** GrowthBook's hash(seed, value, version); encoding 'utf16' (GrowthBook) or 'utf8'. */
export function gbHash(core, seed, value, version, encoding = 'utf16') {
  return unwrap(rawOf(core).gbHash(String(seed), String(value), version, encoding));
}

/** Decrypts an encrypted GrowthBook payload ("iv.ciphertext", base64 key). */
export function gbDecrypt(core, payload, key) {
  return unwrap(rawOf(core).gbDecrypt(payload, key));
}

/** Decodes a sticky-bucket cookie: {stickyBucketAssignmentDocs, order}. Throws TailorError if tampered. */
export function stickyCookieDecode(core, cookie) {
  return unwrap(rawOf(core).stickyCookieDecode(cookie));
}

/**
 * Encodes sticky docs into a cookie value (<= 1 KB, least recently used evicted first).
 * `recent`: the evaluation's stickyBucketOrder, as it returned it.
 */
export function stickyCookieEncode(core, docs, recent = []) {
  return unwrap(rawOf(core).stickyCookieEncode(toText(docs), toText(recent)));
}

/**
 * The event id of an exposure: `x-` + the first 32 hex digits of SHA-256 of its dedupe key
 * (UTF-8, as TextEncoder encodes it). tailor-sync records the same exposure under the same id.
 */
export function exposureEventId(core, dedupeKey) {
  return unwrap(rawOf(core).exposureEventId(encoder.encode(String(dedupeKey))));
}

/** Per-arm conversion rate, revenue per visitor, uplift with 95% CI, chance to beat control, SRM. */
export function analyzeExperiment(core, input) {
  return unwrap(rawOf(core).analyzeExperiment(toText(input)));
}

/** Thompson-sampling weights (deterministic given input.seed). */
export function banditWeights(core, input) {
  return unwrap(rawOf(core).banditWeights(toText(input)));
}

const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

// ---- The compact path: attributes in as JSON bytes (encodeInto a core buffer),
// outcomes out as 32-byte records read in place (gb_outcome in tailor/experiment.hpp):
// [source, value id, rule, variationId, flags, reserved, bucket: f64].
const OUTCOME_WORDS = 8;
const SOURCES = ['unknownFeature', 'defaultValue', 'force', 'experiment', 'prerequisite', 'cyclicPrerequisite'];
const SOURCE_EXPERIMENT = 3;
const ON = 1;
const IN_EXPERIMENT = 2;
const HASH_USED = 4;
const FIRST_EXPOSURE = 8;
/** limits::max_json_bytes of the core: larger attributes go the JSON-text way, which reports it. */
const MAX_INPUT_BYTES = 4 << 20;
const encoder = new TextEncoder();

const deepFreeze = (v) => {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze(v[k]);
  }
  return v;
};
const isPlainObject = (v) => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

// Views of wasm memory per module, renewed when memory growth detaches them.
const heaps = new WeakMap();
function heapOf(raw) {
  let h = heaps.get(raw);
  if (!h || h.u8.byteLength === 0) {
    const { buffer } = raw.gbHeap();
    h = { u8: new Uint8Array(buffer), i32: new Int32Array(buffer) };
    heaps.set(raw, h);
  }
  return h;
}

/** The definitions as the core compiled them (gb_plan_json), shared by every FeatureSet. */
class Plan {
  constructor(desc) {
    this.compact = desc.compact;
    this.keys = Object.freeze(desc.features);
    this.index = new Map(this.keys.map((k, i) => [k, i]));
    // Values and experiment objects are shared by every result (as the SDK shares its
    // definitions' objects): frozen, so no caller can change another shopper's answer.
    this.values = desc.values.map(deepFreeze);
    this.rules = desc.rules.map((r) => deepFreeze(r));
  }
}

const unknownFeature = () => ({ value: null, on: false, off: true, source: 'unknownFeature', ruleId: '' });

/**
 * Every feature of the definitions for one shopper, as the core decided them.
 * FeatureResults are built only for what is read: value(key) and isOn(key) are a
 * lookup; result(key), features and exposures build the SDK's objects.
 */
export class FeatureSet {
  #plan;
  #w;
  #bucket = null; // a Float64Array view of the words, made when a bucket is read
  #attributes;
  constructor(plan, words, attributes) {
    this.#plan = plan;
    this.#w = words;
    this.#attributes = attributes;
  }
  /** Feature keys, in the core's order. */
  get keys() { return this.#plan.keys; }
  /** FeatureResult.value (null for an unknown feature). */
  value(key) {
    const i = this.#plan.index.get(key);
    if (i === undefined) return null;
    const id = this.#w[i * OUTCOME_WORDS + 1];
    return id < 0 ? null : this.#plan.values[id];
  }
  /** FeatureResult.on. */
  isOn(key) {
    const i = this.#plan.index.get(key);
    return i !== undefined && (this.#w[i * OUTCOME_WORDS + 4] & ON) !== 0;
  }
  /** The SDK's FeatureResult of one feature. */
  result(key) {
    const i = this.#plan.index.get(key);
    return i === undefined ? unknownFeature() : this.#result(i);
  }
  /** {key: FeatureResult} for every feature. */
  get features() {
    const out = {};
    const { keys } = this.#plan;
    for (let i = 0; i < keys.length; ++i) {
      if (keys[i] === '__proto__') { // an own property, as JSON.parse makes it
        Object.defineProperty(out, keys[i], { value: this.#result(i), enumerable: true, writable: true, configurable: true });
      } else {
        out[keys[i]] = this.#result(i);
      }
    }
    return out;
  }
  /** Exposure events, one per experiment and shopper (see evalAll). */
  get exposures() {
    const out = [];
    const { keys, rules } = this.#plan;
    const w = this.#w;
    for (let i = 0; i < keys.length; ++i) {
      const b = i * OUTCOME_WORDS;
      if ((w[b + 4] & FIRST_EXPOSURE) === 0) continue;
      const rule = rules[w[b + 2]];
      const variationId = w[b + 3];
      const hashValue = this.#attributes[rule.hashAttribute];
      out.push({ dedupeKey: `${rule.hashAttribute}${String(hashValue)}${rule.keyText}${variationId}`,
        experimentKey: rule.keyText, featureId: keys[i], variationId,
        variationKey: rule.variations[variationId].key, hashAttribute: rule.hashAttribute, hashValue });
    }
    return out;
  }
  #result(i) {
    const plan = this.#plan;
    const w = this.#w;
    const b = i * OUTCOME_WORDS;
    const source = w[b];
    const id = w[b + 1];
    const ruleIndex = w[b + 2];
    const flags = w[b + 4];
    const value = id < 0 ? null : plan.values[id];
    const on = (flags & ON) !== 0;
    const rule = ruleIndex < 0 ? null : plan.rules[ruleIndex];
    const r = { value, on, off: !on, source: SOURCES[source], ruleId: rule === null ? '' : rule.id };
    if (source === SOURCE_EXPERIMENT) {
      const variationId = w[b + 3];
      const variation = rule.variations[variationId];
      const x = { key: variation.key, featureId: plan.keys[i], inExperiment: (flags & IN_EXPERIMENT) !== 0,
        hashUsed: (flags & HASH_USED) !== 0, variationId, value, hashAttribute: rule.hashAttribute,
        hashValue: this.#attributes[rule.hashAttribute], stickyBucketUsed: false };
      if (variation.name !== undefined) x.name = variation.name;
      this.#bucket ??= new Float64Array(w.buffer, w.byteOffset, w.length >> 1);
      x.bucket = this.#bucket[(b >> 1) + 3];
      r.experiment = rule.experiment;
      r.experimentResult = x;
    }
    return r;
  }
}

/**
 * Feature definitions parsed and compiled once ({features, savedGroups,
 * contextualBandits}), then evaluated per shopper with a small user context
 * ({attributes, url, forcedVariations, qaMode, stickyBucketAssignmentDocs, stickyBucketOrder}).
 * Holds wasm memory: call close() when done.
 */
export class GrowthBookDefinitions {
  #h;
  #raw;
  #plan;
  #self = 0;        // the handle's address, for the direct export (no Embind dispatch)
  #evalInput;
  #input = 0;       // address and size of the core's input buffer
  #inputSize = 0;
  #inputView = null;
  #mem;
  constructor(raw, handle) {
    this.#raw = raw;
    this.#h = handle;
    this.#plan = new Plan(unwrap(handle.plan()));
    this.#self = handle.address();
    this.#evalInput = raw._tailor_gb_eval_input;
  }
  static load(core, definitions) {
    const raw = rawOf(core);
    const h = new raw.GbDefinitions();
    try {
      unwrap(h.load(toText(definitions)));
      return new GrowthBookDefinitions(raw, h);
    } catch (e) {
      h.delete();
      throw e;
    }
  }
  #handle() {
    if (!this.#h) throw new Error('GrowthBookDefinitions is closed');
    return this.#h;
  }
  /**
   * Every feature for one shopper's attributes (a plain object): a FeatureSet.
   * options.hashEncoding: 'utf16' (GrowthBook, default) or 'utf8'.
   */
  evaluate(attributes, options = {}) {
    const h = this.#handle();
    const attrs = attributes ?? {};
    const utf8 = options.hashEncoding === 'utf8';
    if (this.#plan.compact && isPlainObject(attrs)) {
      const set = this.#evaluateCompact(h, attrs, utf8);
      if (set) return set;
    }
    // Contextual bandits, or attributes the core rejects: the JSON path answers or reports why.
    const user = { attributes: attributes ?? null, ...(utf8 ? { hashEncoding: 'utf8' } : {}) };
    const { features, exposures } = unwrap(h.evalAll(toText(user)));
    const result = (k) => (Object.hasOwn(features, k) ? features[k] : unknownFeature());
    return { keys: Object.keys(features), value: (k) => result(k).value, isOn: (k) => result(k).on, result,
      features, exposures };
  }
  #evaluateCompact(h, attrs, utf8) {
    const text = JSON.stringify(attrs);
    if (text.length * 3 > MAX_INPUT_BYTES) return null;
    const need = Math.max(text.length * 3, 256); // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (this.#inputSize < need) {
      this.#inputSize = need;
      this.#input = h.inputBuffer(need);
      this.#inputView = null;
    }
    if (this.#inputView === null || this.#inputView.byteLength === 0) { // new buffer, or memory grew
      this.#inputView = heapOf(this.#raw).u8.subarray(this.#input, this.#input + this.#inputSize);
    }
    const { written } = encoder.encodeInto(text, this.#inputView);
    const at = this.#evalInput(this.#self, written, utf8 ? 1 : 0);
    if (at === 0) return null;
    let m = this.#mem;
    if (m === undefined || m.i32.byteLength === 0) m = this.#mem = heapOf(this.#raw); // memory may have grown
    const from = at >> 2;
    const words = m.i32.slice(from, from + this.#plan.keys.length * OUTCOME_WORDS);
    return new FeatureSet(this.#plan, words, attrs);
  }
  /** {features: {key: FeatureResult}, exposures, stickyBucketAssignmentDocs?, stickyBucketOrder?} for a user context. */
  evalAll(user) {
    const h = this.#handle();
    const u = typeof user === 'string' ? null : user ?? {};
    // Attributes (and a hash encoding) alone: the compact path, materialized.
    if (u !== null && isPlainObject(u) && Object.keys(u).every((k) => k === 'attributes' || k === 'hashEncoding')) {
      const attrs = u.attributes ?? {};
      if (this.#plan.compact && isPlainObject(attrs)) {
        const set = this.#evaluateCompact(h, attrs, u.hashEncoding === 'utf8');
        if (set) return { exposures: set.exposures, features: set.features };
      }
    }
    return unwrap(h.evalAll(toText(user)));
  }
  evalFeature(user, key) { return unwrap(this.#handle().evalFeature(toText(user), key)); }
  close() {
    this.#h?.delete();
    this.#h = null;
  }
  [disposeSymbol]() { this.close(); }
}
