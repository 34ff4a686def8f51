// On-device storage of the storefront SDK: the shopper's events, the upload
// queue (outbox), small settings and cached artifacts (bundle, catalog) with
// their ETags. IndexedDB in browsers; an in-memory store where IndexedDB is
// missing (Node, or a browser that refuses it), so the page still works.

const DB_VERSION = 1;
const STORES = ['kv', 'events', 'outbox', 'cache'];

const req = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** IndexedDB-backed store. Every method is one transaction. */
export class IdbStore {
  #db;
  constructor(db) { this.#db = db; }

  static async open(name) {
    const open = indexedDB.open(name, DB_VERSION);
    open.onupgradeneeded = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
      if (!db.objectStoreNames.contains('events')) db.createObjectStore('events', { keyPath: 'id' }).createIndex('ts', 'ts');
      if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id' });
      if (!db.objectStoreNames.contains('cache')) db.createObjectStore('cache');
    };
    const db = await req(open);
    // Another tab upgrading the schema: close so it can proceed.
    db.onversionchange = () => db.close();
    return new IdbStore(db);
  }

  get kind() { return 'indexeddb'; }

  async #tx(stores, mode, fn) {
    const tx = this.#db.transaction(stores, mode);
    const out = fn(...stores.map((s) => tx.objectStore(s)));
    await done(tx);
    return out instanceof IDBRequest ? out.result : out;
  }

  get(key) { return this.#tx(['kv'], 'readonly', (kv) => kv.get(key)); }
  set(key, value) { return this.#tx(['kv'], 'readwrite', (kv) => { kv.put(value, key); }); }
  del(key) { return this.#tx(['kv'], 'readwrite', (kv) => { kv.delete(key); }); }

  /**
   * Adds `items` to the list kept under `key` (the newest `max`) and resolves to the ones
   * that were not there. One readwrite transaction: tabs claiming the same item at the
   * same moment are serialized, so exactly one of them gets it.
   */
  claim(key, items, max) {
    const fresh = [];
    return this.#tx(['kv'], 'readwrite', (kv) => {
      const r = kv.get(key);
      r.onsuccess = () => {
        const have = Array.isArray(r.result) ? r.result : [];
        const known = new Set(have);
        for (const x of items) if (!known.has(x)) { known.add(x); fresh.push(x); }
        if (fresh.length) kv.put([...have, ...fresh].slice(-max), key);
      };
    }).then(() => fresh);
  }

  putEvents(events) {
    return this.#tx(['events'], 'readwrite', (s) => { for (const e of events) s.put(e); });
  }
  allEvents() { return this.#tx(['events'], 'readonly', (s) => s.getAll()); }
  /** Keeps the newest `max` events by ts (the core keeps the newest 5,000 too). */
  async pruneEvents(max) {
    return this.#tx(['events'], 'readwrite', (s) => {
      const count = s.count();
      count.onsuccess = () => {
        let extra = count.result - max;
        if (extra <= 0) return;
        s.index('ts').openCursor().onsuccess = (ev) => {
          const cur = ev.target.result;
          if (!cur || extra-- <= 0) return;
          cur.delete();
          cur.continue();
        };
      };
    });
  }

  outboxAll() { return this.#tx(['outbox'], 'readonly', (s) => s.getAll()); }
  outboxPut(events) {
    return this.#tx(['outbox'], 'readwrite', (s) => { for (const e of events) s.put(e); });
  }
  outboxDelete(ids) {
    return this.#tx(['outbox'], 'readwrite', (s) => { for (const id of ids) s.delete(id); });
  }
  outboxClear() { return this.#tx(['outbox'], 'readwrite', (s) => { s.clear(); }); }

  cacheGet(name) { return this.#tx(['cache'], 'readonly', (s) => s.get(name)); }
  cachePut(name, record) { return this.#tx(['cache'], 'readwrite', (s) => { s.put(record, name); }); }

  /** Forgets the shopper: events, outbox and settings (cached artifacts hold no shopper data). */
  clearShopper() {
    return this.#tx(['kv', 'events', 'outbox'], 'readwrite', (kv, ev, ob) => { kv.clear(); ev.clear(); ob.clear(); });
  }

  close() { this.#db.close(); }
}

/** The same interface in memory (nothing survives a reload). */
export class MemoryStore {
  #kv = new Map();
  #events = new Map();
  #outbox = new Map();
  #cache = new Map();
  get kind() { return 'memory'; }
  async get(key) { return structuredClone(this.#kv.get(key)); }
  async set(key, value) { this.#kv.set(key, structuredClone(value)); }
  async del(key) { this.#kv.delete(key); }
  async claim(key, items, max) {
    const have = this.#kv.get(key) ?? [];
    const known = new Set(have);
    const fresh = items.filter((x) => !known.has(x) && known.add(x));
    if (fresh.length) this.#kv.set(key, [...have, ...fresh].slice(-max));
    return fresh;
  }
  async putEvents(events) { for (const e of events) this.#events.set(e.id, structuredClone(e)); }
  async allEvents() { return [...this.#events.values()].map((e) => structuredClone(e)); }
  async pruneEvents(max) {
    const all = [...this.#events.values()].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
    for (const e of all.slice(0, Math.max(0, all.length - max))) this.#events.delete(e.id);
  }
  async outboxAll() { return [...this.#outbox.values()].map((e) => structuredClone(e)); }
  async outboxPut(events) { for (const e of events) this.#outbox.set(e.id, structuredClone(e)); }
  async outboxDelete(ids) { for (const id of ids) this.#outbox.delete(id); }
  async outboxClear() { this.#outbox.clear(); }
  async cacheGet(name) { return this.#cache.get(name); }
  async cachePut(name, record) { this.#cache.set(name, record); }
  async clearShopper() { this.#kv.clear(); this.#events.clear(); this.#outbox.clear(); }
  close() {}
}

/** Opens IndexedDB `name`, or a MemoryStore when IndexedDB is unavailable. */
export async function openStore(name) {
  if (typeof indexedDB === 'undefined') return new MemoryStore();
  try {
    return await IdbStore.open(name);
  } catch {
    return new MemoryStore(); // private modes and blocked storage
  }
}

export { STORES };
