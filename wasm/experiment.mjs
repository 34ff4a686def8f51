// Experiments and feature flags (GrowthBook-compatible) evaluated by the wasm
// core. Contexts are GrowthBook's JSON: {attributes, features, savedGroups,
// forcedVariations, url, qaMode, enabled, contextualBandits,
// stickyBucketAssignmentDocs, hashEncoding}.
import { unwrap } from './index.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const rawOf = (core) => core.raw ?? core;

/**
 * assign(core, context, featureKey) -> {result: FeatureResult, stickyBucketAssignmentDocs?}
 * assign(core, context, experiment) -> {result: Result, stickyBucketAssignmentDocs?}
 */
export function assign(core, context, featureOrExperiment) {
  const m = rawOf(core);
  if (typeof featureOrExperiment === 'string') {
    return unwrap(m.gbEvalFeature(toText(context), featureOrExperiment));
  }
  return unwrap(m.gbRunExperiment(toText(context), toText(featureOrExperiment)));
}

/** Every feature of the context at once: {features: {key: FeatureResult}, stickyBucketAssignmentDocs?}. */
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

/** Encodes sticky docs into a cookie value (<= 1 KB, least recently used evicted first). */
export function stickyCookieEncode(core, docs, recent = []) {
  return unwrap(rawOf(core).stickyCookieEncode(toText(docs), toText(recent)));
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

/**
 * Feature definitions parsed and compiled once ({features, savedGroups,
 * contextualBandits}), then evaluated per shopper with a small user context
 * ({attributes, url, forcedVariations, qaMode, stickyBucketAssignmentDocs}).
 * Holds wasm memory: call close() when done.
 */
export class GrowthBookDefinitions {
  #h;
  constructor(handle) { this.#h = handle; }
  static load(core, definitions) {
    const h = new (rawOf(core).GbDefinitions)();
    try {
      unwrap(h.load(toText(definitions)));
    } catch (e) {
      h.delete();
      throw e;
    }
    return new GrowthBookDefinitions(h);
  }
  #handle() {
    if (!this.#h) throw new Error('GrowthBookDefinitions is closed');
    return this.#h;
  }
  evalAll(user) { return unwrap(this.#handle().evalAll(toText(user))); }
  evalFeature(user, key) { return unwrap(this.#handle().evalFeature(toText(user), key)); }
  close() {
    this.#h?.delete();
    this.#h = null;
  }
  [disposeSymbol]() { this.close(); }
}
