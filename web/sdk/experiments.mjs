// Experiments and feature flags in the browser. Every decision is the core's
// (GrowthBook semantics, compiled once from the config tailor-sync serves);
// this module only moves bytes: the config text in, the sticky-bucket cookie
// in and out, the core's exposures out as events. All calls into the wasm
// experiment API live here, so a change of that API stays a change of this file.

/**
 * The sticky-bucket cookie the browser and the edge worker share. Its value is the
 * core's compact encoding (`s1.<entries>~<checksum>`, at most 1 KB, least recently
 * used assignments evicted first: tailor::sticky_cookie_encode).
 */
export const STICKY_COOKIE = 'tailor_sb';
/** The shopper id cookie the edge worker reads (and sets when it meets a new shopper). */
export const UID_COOKIE = 'tailor_uid';
/** Ids that fit in that cookie as they are (what the edge accepts). */
export const UID_COOKIE_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
/** A year: the cookie keeps a shopper in their variation across visits. */
const COOKIE_MAX_AGE_S = 365 * 24 * 3600;
/** Dedupe keys of exposures already recorded that the SDK remembers (oldest forgotten first). */
export const MAX_TRACKED_EXPOSURES = 1000;

/** The GrowthBook members of a config document (tailor-sync's config also holds `profile`). */
export function definitionsOf(config) {
  const doc = typeof config === 'string' ? JSON.parse(config) : config;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new TypeError('the experiments config must be a JSON object');
  const out = {};
  for (const k of ['features', 'savedGroups', 'contextualBandits']) if (doc[k] !== undefined) out[k] = doc[k];
  return out;
}

/** The value of cookie `name` in a `document.cookie` string, or ''. */
export function readCookie(cookieText, name = STICKY_COOKIE) {
  for (const part of String(cookieText ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return '';
}

/** The Set-Cookie / document.cookie text for a shared cookie ('' value: delete it). */
export function cookieText(value, { secure = false, name = STICKY_COOKIE } = {}) {
  const base = `${name}=${value}; Path=/; SameSite=Lax${secure ? '; Secure' : ''}`;
  return value ? `${base}; Max-Age=${COOKIE_MAX_AGE_S}` : `${base}; Max-Age=0`;
}

/**
 * Feature definitions compiled by the core, evaluated per shopper.
 * `pkg` is the wasm package (GrowthBookDefinitions, stickyCookieDecode/Encode, exposureEventId).
 */
export class Experiments {
  #pkg;
  #core;
  #defs;
  #docs = {}; // sticky assignment docs, as the core returns them
  #order = []; // [docKey, assignmentKey], least recently used first, as the core returns it
  #results = null; // { features, exposures } of the latest evaluation
  #userText = '';

  constructor(pkg, core, definitions) {
    this.#pkg = pkg;
    this.#core = core;
    this.#defs = pkg.GrowthBookDefinitions.load(core, JSON.stringify(definitionsOf(definitions)));
  }

  /**
   * Starts from a sticky cookie value. A tampered, truncated or unknown-version cookie
   * is dropped (the core's safe default: buckets come from the hash again); returns
   * the error then, or null.
   */
  loadCookie(value) {
    this.#docs = {};
    this.#order = [];
    this.#results = null;
    if (!value) return null;
    try {
      const d = this.#pkg.stickyCookieDecode(this.#core, value);
      this.#docs = d.stickyBucketAssignmentDocs ?? {};
      this.#order = d.order ?? [];
      return null;
    } catch (err) {
      return err;
    }
  }

  /** The cookie value for the current assignments (the core's encoding and eviction). */
  cookieValue() {
    if (!Object.keys(this.#docs).length) return '';
    return this.#pkg.stickyCookieEncode(this.#core, JSON.stringify(this.#docs), JSON.stringify(this.#order));
  }

  /**
   * Every feature for one shopper: `user` is GrowthBook's user context
   * ({attributes, url, trackedExperiments, ...}). Sticky docs and their order go in and
   * the core's updated ones are kept (the order is the core's: which assignments this
   * evaluation used). Returns { features, exposures, changed } (changed: what the
   * cookie holds, the sticky docs or their order).
   */
  evaluate(user) {
    const sticky = () => ({ stickyBucketAssignmentDocs: this.#docs, stickyBucketOrder: this.#order });
    const text = JSON.stringify({ ...user, ...sticky() });
    if (text === this.#userText && this.#results) return { ...this.#results, changed: false };
    const r = this.#defs.evalAll(text);
    const before = JSON.stringify(sticky());
    this.#docs = r.stickyBucketAssignmentDocs;
    this.#order = r.stickyBucketOrder;
    this.#results = { features: r.features ?? {}, exposures: r.exposures ?? [] };
    // The docs now hold this evaluation's assignments: the same input gives the same answer.
    this.#userText = JSON.stringify({ ...user, ...sticky() });
    return { ...this.#results, changed: JSON.stringify(sticky()) !== before };
  }

  /** The event id tailor-sync gives the same exposure (the core's: `x-` + SHA-256(dedupe key)[0:32]). */
  exposureEventId(dedupeKey) {
    return this.#pkg.exposureEventId(this.#core, dedupeKey);
  }

  /** The latest evaluation's results (null before the first). */
  get results() { return this.#results; }
  get stickyDocs() { return this.#docs; }

  close() {
    this.#defs?.close();
    this.#defs = null;
  }
}

