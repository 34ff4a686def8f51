// Recommendations in JS: a thin handle over the wasm core. The bundle bytes are
// copied once into wasm memory and read in place; every decision is the core's.
import { unwrap } from './index.mjs';

const asBytes = (b) => (b instanceof ArrayBuffer ? new Uint8Array(b)
  : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b);

export class Recommender {
  #h;
  #info;
  constructor(handle, info) { this.#h = handle; this.#info = info; }

  /** Opens bundle bytes (ArrayBuffer or typed array); throws TailorError on a bad bundle. */
  static open(core, bytes) {
    const raw = core?.raw ?? core;
    const h = new raw.RecommenderHandle();
    try {
      return new Recommender(h, unwrap(h.open(asBytes(bytes))));
    } catch (e) {
      h.delete();
      throw e;
    }
  }

  /** {format_version, items, bytes, content_hash, slots, embedding_dim} */
  get info() { return this.#info; }

  /** One decision: {slot, items: [{id, title, score, reasons}], fallback, warnings}. */
  recommend(request) {
    if (!this.#h) throw new Error('Recommender is closed');
    return unwrap(this.#h.recommend(typeof request === 'string' ? request : JSON.stringify(request)));
  }

  close() {
    this.#h?.delete();
    this.#h = null;
  }
}

// `using rec = Recommender.open(...)` where the runtime has explicit resource management.
if (typeof Symbol.dispose === 'symbol') Recommender.prototype[Symbol.dispose] = function dispose() { this.close(); };
