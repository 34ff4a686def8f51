// Recommendations in JS: a thin handle over the wasm core. The bundle bytes are
// copied once into wasm memory and read in place; every decision is the core's.
import { unwrap, TailorError } from './index.mjs';

const asBytes = (b) => (b instanceof ArrayBuffer ? new Uint8Array(b)
  : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b);

const utf8 = new TextEncoder();

export class Recommender {
  #h;
  #info;
  #raw;
  constructor(handle, info, raw) { this.#h = handle; this.#info = info; this.#raw = raw; }

  // The request as UTF-8 written straight into wasm memory (Embind's std::string
  // conversion walks the text in JS, which costs more than the decision).
  #call(request) {
    const text = typeof request === 'string' ? request : JSON.stringify(request);
    const ptr = this.#raw?.HEAPU8 ? this.#h.requestBuffer(text.length * 3) : 0;
    if (!ptr) return this.#h.recommend(text); // too large: the core names the limit
    const { written } = utf8.encodeInto(text, this.#raw.HEAPU8.subarray(ptr, ptr + text.length * 3));
    return this.#h.recommendBuffer(written);
  }

  /** Opens bundle bytes (ArrayBuffer or typed array); throws TailorError on a bad bundle. */
  static open(core, bytes) {
    const raw = core?.raw ?? core;
    const h = new raw.RecommenderHandle();
    try {
      const b = asBytes(bytes);
      const ptr = raw.HEAPU8 && b instanceof Uint8Array ? h.bundleBuffer(b.length) : 0;
      if (ptr) {
        raw.HEAPU8.set(b, ptr); // HEAPU8 read after the allocation (memory may have grown)
        return new Recommender(h, unwrap(h.openBuffer(b.length)), raw);
      }
      return new Recommender(h, unwrap(h.open(b)), raw);
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
    return unwrap(this.#call(request));
  }

  /**
   * Bring your own ranker: the core gathers and filters the candidates and builds
   * the feature matrix the spec names; ONNX Runtime (the `ort` module you pass)
   * scores it; the core applies rules, diversity, pins and reasons. JS only moves
   * the tensor bytes. A model whose signature does not match the spec throws
   * TailorError invalid_config; NaN/Inf scores fall back to the built-in ranker
   * ("fallback": "builtin_ranker" and a warning).
   *   model: {ort, session, spec: {features: [...], input?, output?, candidates?}}
   */
  async recommendWithModel(request, { ort, session, spec }) {
    if (!this.#h) throw new Error('Recommender is closed');
    const specText = typeof spec === 'string' ? spec : JSON.stringify(spec);
    const meta = session.inputMetadata ?? [];
    const signature = {
      inputs: session.inputNames.map((name, i) => ({ name, shape: meta[i]?.isTensor === false ? [] : [...(meta[i]?.shape ?? [])] })),
      outputs: [...session.outputNames],
    };
    const checked = unwrap(this.#h.checkRankerModel(specText, JSON.stringify(signature)));
    const job = unwrap(this.#h.prepareRanking(typeof request === 'string' ? request : JSON.stringify(request), specText));
    try {
      let scores = new Float32Array(0);
      if (job.rows > 0) {
        const features = this.#h.rankingFeatures(job.job);
        let out;
        try {
          out = await session.run({ [checked.input]: new ort.Tensor('float32', features, [job.rows, job.cols]) });
        } catch (e) { // e.g. a width the model's signature left symbolic
          throw new TailorError({ code: 'invalid_config', errno: 11, where: 'model',
            message: `the ranker model failed on the ${job.rows} x ${job.cols} feature tensor: ${e?.message ?? e}` });
        }
        const data = out[checked.output]?.data;
        scores = data instanceof Float32Array ? data : Float32Array.from(data ?? [], Number);
      }
      return unwrap(this.#h.finishRanking(job.job, scores));
    } finally {
      this.#h?.dropRanking(job.job);
    }
  }

  close() {
    this.#h?.delete();
    this.#h = null;
  }
}

/**
 * Top-k over int8 embeddings (wasm SIMD, exact f32 re-score of a shortlist).
 * Rows, query and results cross the boundary as typed arrays in wasm memory:
 * no per-call conversion or JSON.
 */
export class EmbeddingIndex {
  #h;
  #raw;
  #dim;
  constructor(handle, raw, dim) { this.#h = handle; this.#raw = raw; this.#dim = dim; }

  /** values: Float32Array of n * dim, row-major; throws TailorError on bad sizes. */
  static build(core, values, n, dim) {
    const raw = core?.raw ?? core;
    const h = new raw.EmbeddingIndex();
    try {
      const v = values instanceof Float32Array ? values : Float32Array.from(values);
      const ptr = h.valuesBuffer(v.length);
      if (!ptr) throw new TailorError({ code: 'limit_exceeded', errno: 6, where: 'values', message: `${v.length} values do not fit in wasm memory` });
      new Float32Array(raw.HEAPU8.buffer, ptr, v.length).set(v); // the view after the allocation (memory may have grown)
      unwrap(h.buildBuffer(n, dim));
      return new EmbeddingIndex(h, raw, dim);
    } catch (e) {
      h.delete();
      throw e;
    }
  }

  get dim() { return this.#dim; }

  /** The best k rows for the query: {items: Uint32Array, scores: Float32Array} (copies), best first. */
  topK(query, k) {
    if (!this.#h) throw new Error('EmbeddingIndex is closed');
    if (query.length !== this.#dim) {
      throw new TailorError({ code: 'invalid_field', errno: 2, where: 'query', message: `query has ${query.length} dims, the embeddings ${this.#dim}` });
    }
    const buffer = this.#raw.HEAPU8.buffer;
    new Float32Array(buffer, this.#h.queryBuffer(), this.#dim).set(query);
    const count = this.#h.topKBuffer(k);
    if (count < 0) unwrap(this.#h.lastError());
    const heap = this.#raw.HEAPU8.buffer; // re-read: the call may have grown memory
    return {
      items: new Uint32Array(heap, this.#h.resultItems(), count).slice(),
      scores: new Float32Array(heap, this.#h.resultScores(), count).slice(),
    };
  }

  close() {
    this.#h?.delete();
    this.#h = null;
  }
}

// `using rec = Recommender.open(...)` where the runtime has explicit resource management.
if (typeof Symbol.dispose === 'symbol') {
  Recommender.prototype[Symbol.dispose] = function dispose() { this.close(); };
  EmbeddingIndex.prototype[Symbol.dispose] = function dispose() { this.close(); };
}
