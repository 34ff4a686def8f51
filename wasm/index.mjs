// Tailor's JS entry point: loads the wasm core in Node, browsers and workerd,
// and wraps its JSON envelopes in a small typed API. JS only moves bytes here;
// every decision is made by the core.
import createTailorCore from './tailor_core.mjs';

// Node >= 21 also defines navigator, and workerd's nodejs_compat defines process.
const isNode = typeof process === 'object' && !!process.versions?.node &&
  !String(globalThis.navigator?.userAgent ?? '').startsWith('Cloudflare-Workers');

/** An error reported by the Tailor core: `code` is stable (see errorCodes()). */
export class TailorError extends Error {
  constructor({ code, errno, message, where }) {
    super(where ? `${message} (at ${where})` : message);
    this.name = 'TailorError';
    this.code = code;
    this.errno = errno;
    this.where = where ?? '';
  }
}

async function toWasmModule(src) {
  if (src instanceof WebAssembly.Module) return src; // workerd: `import wasm from './x.wasm'`
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return WebAssembly.compile(src);
  if (typeof Response !== 'undefined' && src instanceof Response) {
    return WebAssembly.compile(await src.arrayBuffer());
  }
  const url = src ?? new URL('./tailor_core.wasm', import.meta.url);
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetch ${url}: HTTP ${res.status}`);
  return WebAssembly.compileStreaming && res.headers.get('content-type')?.startsWith('application/wasm')
    ? WebAssembly.compileStreaming(res)
    : WebAssembly.compile(await res.arrayBuffer());
}

/**
 * Instantiates the raw Embind module. `src` may be a WebAssembly.Module,
 * bytes, a Response, a URL, or omitted (the .wasm next to this file).
 */
export async function loadCore(src) {
  const wasmModule = await toWasmModule(src);
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; }); // the 3.1.6 factory never rejects
  const ready = createTailorCore({
    locateFile: (p) => p, // import.meta.url is unset in workerd
    instantiateWasm(imports, receiveInstance) {
      WebAssembly.instantiate(wasmModule, imports)
        .then((instance) => receiveInstance(instance, wasmModule))
        .catch(fail);
      return {};
    },
  });
  return Promise.race([ready, failed]);
}

/** Parses a core envelope; throws TailorError on failure. */
export function unwrap(envelopeText) {
  const env = JSON.parse(envelopeText);
  if (!env.ok) throw new TailorError(env);
  return env.value;
}

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The stateless part of the API, bound to one loaded core. */
export class TailorCore {
  #m;
  constructor(raw) { this.#m = raw; }
  static async load(src) { return new TailorCore(await loadCore(src)); }
  get raw() { return this.#m; }
  version() { return this.#m.version(); }
  errorCodes() { return JSON.parse(this.#m.errorCodes()); }
  /** Validates one event and returns it in canonical form. */
  decodeEvent(event) { return unwrap(this.#m.decodeEvent(toText(event))); }
}
export * from './profile.mjs';
export * from './condition.mjs';
export * from './recommend.mjs';
