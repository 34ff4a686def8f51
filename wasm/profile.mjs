// Shopper profiles in JS: a thin wrapper over the core's ProfileEngine. The
// core folds, merges and validates; this file only moves text across.
import { TailorCore, TailorError, loadCore, unwrap } from './index.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

// The value of a success envelope as the core wrote it (no JSON round trip).
function rawValue(env) {
  const head = '{"ok":true,"value":';
  if (env.startsWith(head)) return env.slice(head.length, -1);
  return unwrap(env);
}

let defaultCore; // the default wasm module, instantiated once per JS realm

async function coreFrom(wasm) {
  if (wasm instanceof TailorCore) return wasm.raw;
  if (wasm && typeof wasm === 'object' && typeof wasm.ProfileEngine === 'function') return wasm;
  if (wasm === undefined) return (defaultCore ??= loadCore());
  return loadCore(wasm);
}

function clock(now) {
  const t = now ?? Date.now();
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) {
    throw new TailorError({ code: 'invalid_field', errno: 2, message: 'now must be a non-negative integer of ms', where: 'now' });
  }
  return t;
}

/** One shopper's profile: catalog + config + the shopper's events. */
export class Tailor {
  #engine;

  constructor(engine) { this.#engine = engine; }

  /**
   * Loads the catalog and config, and optionally a saved state (merged in).
   * `wasm` may be a WebAssembly.Module, bytes, a URL, a TailorCore, or omitted.
   */
  static async load({ catalog, catalogFormat = 'jsonl', config = {}, state, wasm } = {}) {
    const core = await coreFrom(wasm);
    const engine = new core.ProfileEngine();
    try {
      unwrap(engine.load(String(catalog ?? ''), String(catalogFormat), toText(config ?? {})));
      if (state !== undefined && state !== null) unwrap(engine.importState(toText(state)));
    } catch (e) {
      engine.delete();
      throw e;
    }
    return new Tailor(engine);
  }

  #live() {
    if (!this.#engine) throw new TailorError({ code: 'invalid_state', errno: 10, message: 'this Tailor is closed', where: '' });
    return this.#engine;
  }

  /** Records one event or an array of events. Bad events are rejected one by one. */
  track(eventOrEvents, { now } = {}) {
    return unwrap(this.#live().track(toText(eventOrEvents), clock(now)));
  }

  /** The profile JSON text at `now` (byte-identical to `tailor profile`). */
  profileText({ now } = {}) {
    return rawValue(this.#live().profile(clock(now)));
  }

  /** The profile at `now` as an object. */
  profile({ now } = {}) { return JSON.parse(this.profileText({ now })); }

  /** The segments the shopper is in at `now` ([] when not personalized). */
  segments({ now } = {}) { return this.profile({ now }).segments ?? []; }

  /** Deletes a tag or segment from the profile for good (kind: category, brand, price_band, tag, segment). */
  deleteTag(kind, key) { unwrap(this.#live().deleteTag(String(kind), String(key))); }

  /** Turns personalization off (or back on); the latest setting wins when profiles merge. */
  setPersonalized(enabled, { now } = {}) {
    unwrap(this.#live().setPersonalized(!!enabled, clock(now)));
  }

  /** The state (events, deletions, setting) as JSON text, for storage or sync. */
  exportState() { return rawValue(this.#live().exportState()); }

  /** Merges a saved state (JSON text or object) into this one; all or nothing. */
  importState(text) { unwrap(this.#live().importState(toText(text))); }

  /** Frees the core's memory. Further calls throw. */
  close() {
    if (this.#engine) {
      this.#engine.delete();
      this.#engine = undefined;
    }
  }

  [dispose]() { this.close(); }
}
