// Tailor's storefront SDK. It loads the wasm core, keeps the shopper's events
// on the device (IndexedDB), turns explicit calls and data-tailor-* attributes
// into events, syncs them with tailor-sync only while the shopper's consent
// allows it, and fills recommendation and copy slots. It moves bytes; every
// decision (profile, consent state, recommendations, copy) is the core's.
import { Sync, SYNC_LIMITS } from './sync.mjs';
import { openStore, MemoryStore } from './store.mjs';
import { attach, installStyle, renderFromTemplate, describeReasons, applyFeature, ANTI_FLICKER_CSS } from './dom.mjs';
import {
  Experiments, STICKY_COOKIE, UID_COOKIE, UID_COOKIE_PATTERN, MAX_TRACKED_EXPOSURES, readCookie, cookieText,
} from './experiments.mjs';

export { SYNC_LIMITS, MemoryStore, ANTI_FLICKER_CSS, STICKY_COOKIE, UID_COOKIE, describeReasons, renderFromTemplate };

/** Named limits of the SDK. */
export const SDK_LIMITS = Object.freeze({
  /** Events kept on the device (the core's limit per profile). */
  localEvents: 5000,
  /** Item ids in one impression event (the core's limit). */
  impressionItems: 200,
  /** How long a profile fold is reused for slot filling, in ms (decay moves with the clock). */
  profileCacheMs: 1000,
  /** Events per importState call (the server's page size). */
  importChunk: 1000,
  /** Newest history events handed to the recommender by default (option recommendEvents). */
  recommendEvents: 1000,
});

/** Event types that change what the shopper is shown (impressions do not re-fill slots). */
const REFRESH_TYPES = new Set(['view', 'click', 'add_to_cart', 'remove_from_cart', 'purchase', 'search', 'consent', 'identify']);
const COOKIE_POLICIES = new Set(['consent', 'always', 'never']);
/** The ids newUid() makes (a device saved before the SDK kept the `anonymous` flag). */
const ANONYMOUS_UID = /^a-[0-9a-f]{16}$/;
/** What feature() answers for a key the config does not define (GrowthBook's unknownFeature result). */
const UNKNOWN_FEATURE = Object.freeze({ value: null, on: false, off: true, source: 'unknownFeature', ruleId: '' });
const PURPOSES = new Set(['personalization', 'analytics', 'marketing']);
/**
 * The event types the core's recommender reads (core/src/recommend/recommend.cpp skips every
 * other type). Passing only these gives the same decision with far less JSON to move and decode.
 */
const RECOMMEND_TYPES = new Set(['view', 'click', 'add_to_cart', 'remove_from_cart', 'purchase']);

function randomHex(bytes) {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** A new anonymous shopper id. */
export const newUid = () => `a-${randomHex(8)}`;
/** A new event id: unique per device, so retries and merges never count an event twice. */
export const newEventId = (ts) => `e-${ts.toString(36)}-${randomHex(8)}`;

async function readSource(src, what, fetchFn, store, { binary = false } = {}) {
  if (src === undefined || src === null) return null;
  if (typeof src === 'string' || src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return { body: src, etag: '', from: 'inline' };
  if (typeof src === 'object' && typeof src.url === 'string') return cachedFetch(what, src, fetchFn, store, { binary });
  if (typeof src === 'object' && !(src instanceof URL)) return { body: JSON.stringify(src), etag: '', from: 'inline' };
  return cachedFetch(what, { url: String(src) }, fetchFn, store, { binary });
}

/**
 * GET with a persistent ETag cache: sends If-None-Match, keeps the body on 200,
 * reuses it on 304 and when the network fails.
 */
export async function cachedFetch(name, { url, headers = {} }, fetchFn, store, { binary = false } = {}) {
  const cached = await store.cacheGet(name).catch(() => undefined);
  const usable = cached && cached.url === url ? cached : undefined;
  let res;
  try {
    res = await fetchFn(url, {
      headers: { ...headers, ...(usable?.etag ? { 'if-none-match': usable.etag } : {}) },
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (usable) return { body: usable.body, etag: usable.etag, from: 'cache' };
    throw new Error(`${name}: ${url}: ${err.message ?? err}`);
  }
  if (res.status === 304 && usable) return { body: usable.body, etag: usable.etag, from: 'revalidated' };
  if (!res.ok) {
    if (usable) return { body: usable.body, etag: usable.etag, from: 'cache' };
    throw new Error(`${name}: ${url}: HTTP ${res.status}`);
  }
  const body = binary ? await res.arrayBuffer() : await res.text();
  const etag = res.headers.get('etag') ?? '';
  if (etag) await store.cachePut(name, { url, etag, body }).catch(() => {});
  return { body, etag, from: 'network' };
}

// A server answer that retrying cannot change (bad token, erased id, bad request).
const isRefusal = (err) => Number.isInteger(err?.status) && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;

export class TailorSDK extends EventTarget {
  #o;
  #pkg;
  #core;
  #tailor;
  #rec = null;
  #copy = null;
  #templates = new Map();
  #store;
  #sync = null;
  #dom = null;
  #uid;
  #consent = null;
  #erased = false;
  #stateVersion = 0; // any event
  #viewVersion = 0; // events that change what is shown
  #profileCache = null; // { version, at, value }
  #eventsCache = null; // { version, events }
  #slotKeys = new WeakMap();
  #io = Promise.resolve();
  #refreshQueued = false;
  #tracked = 0;
  #listeners = [];
  #catalogText = '';
  #configText = '{}';
  #bundleMeta = null;
  #lastConsentTs = 0;
  #channel = null; // BroadcastChannel to the other tabs of this shop
  #exp = null; // Experiments (the core's GrowthBook evaluation) when configured
  #expMeta = null; // { etag, from } of the experiments config
  #exposed = new Set(); // dedupe keys (the core's) of exposures already recorded
  #settingsReq = null; // the settings round trip in flight
  #settingsAgain = false;
  #anonymous = true; // the uid was made on this device (or by the edge), not given by a sign-in

  constructor(k) {
    super();
    if (k !== TailorSDK.#key) throw new TypeError('use TailorSDK.start(options)');
  }
  static #key = Symbol('TailorSDK');

  /**
   * Starts the SDK: loads the core, the catalog, the profile config and the bundle,
   * restores the shopper's events from IndexedDB, wires the page. See index.d.mts.
   */
  static async start(options = {}) {
    const sdk = new TailorSDK(TailorSDK.#key);
    await sdk.#init(options);
    // Warnings raised while starting reach the listeners the page adds once start() resolves.
    setTimeout(() => {
      const early = sdk.#early;
      sdk.#early = null;
      for (const detail of early) sdk.#emit('warning', detail);
    }, 0);
    return sdk;
  }
  #early = []; // warnings before start() resolved

  async #init(options) {
    const o = {
      dbName: 'tailor-sdk', catalogFormat: 'jsonl', syncPurpose: 'personalization', flushDelayMs: 1000,
      retry: {}, slotTimeoutMs: 2000, onErased: 'forget', locale: 'en', currency: '',
      recommendEvents: SDK_LIMITS.recommendEvents,
      ...options,
    };
    if (o.experiments === true) o.experiments = {};
    if (o.experiments) {
      o.experiments = { cookie: 'consent', url: true, ...o.experiments };
      if (!COOKIE_POLICIES.has(o.experiments.cookie)) {
        throw new TypeError(`experiments.cookie must be consent, always or never, got ${o.experiments.cookie}`);
      }
    }
    if (!Number.isInteger(o.recommendEvents) || o.recommendEvents < 0 || o.recommendEvents > 5000) {
      throw new TypeError(`recommendEvents must be an integer 0..5000, got ${o.recommendEvents}`);
    }
    if (!PURPOSES.has(o.syncPurpose)) throw new TypeError(`syncPurpose must be personalization, analytics or marketing, got ${o.syncPurpose}`);
    o.fetch ??= globalThis.fetch.bind(globalThis);
    o.now ??= () => Date.now();
    if (o.server) {
      if (typeof o.server.url !== 'string' || !o.server.url) throw new TypeError('server.url is required');
      if (typeof o.server.key !== 'string' || !o.server.key) throw new TypeError('server.key (a browser API key) is required');
      if (typeof o.server.token !== 'function') throw new TypeError('server.token(uid) must be a function returning a shopper token');
      o.server = { ...o.server, url: o.server.url.replace(/\/+$/, '') };
    }
    // The experiments config: given, or tailor-sync's current one (GET /v1/config, ETag-cached;
    // the public key only: no uid, no token).
    let expSource = o.experiments?.config;
    if (o.experiments && expSource === undefined) {
      if (!o.server) throw new TypeError('experiments need experiments.config or a server to fetch /v1/config from');
      expSource = { url: `${o.server.url}/v1/config`, headers: { authorization: `Bearer ${o.server.key}` } };
    }
    this.#o = o;
    this.#store = o.store ?? await openStore(o.dbName);
    this.#pkg = o.tailor ?? await import(o.pkg ?? new URL('../pkg/index.mjs', import.meta.url).href);
    const [core, catalog, config, bundle, expConfig] = await Promise.all([
      o.core ?? this.#pkg.TailorCore.load(o.wasm),
      readSource(o.catalog, 'catalog', o.fetch, this.#store),
      readSource(o.config ?? {}, 'config', o.fetch, this.#store),
      readSource(o.bundle, 'bundle', o.fetch, this.#store, { binary: true }).catch((err) => {
        this.#warn('bundle', err);
        return null;
      }),
      readSource(expSource, 'experiments', o.fetch, this.#store).catch((err) => {
        this.#warn('experiments', err);
        return null;
      }),
    ]);
    this.#core = core;
    if (!catalog) throw new TypeError('catalog is required (text or {url})');
    this.#catalogText = String(catalog.body);
    this.#configText = String(config.body);
    if (bundle) {
      try {
        this.#rec = this.#pkg.Recommender.open(core, bundle.body);
        this.#bundleMeta = { etag: bundle.etag, from: bundle.from, ...this.#rec.info };
      } catch (err) {
        this.#warn('bundle', err);
      }
    }
    if (o.templates && this.#pkg.Copy) this.#copy = new this.#pkg.Copy(core);
    if (expConfig) {
      try {
        this.#exp = new Experiments(this.#pkg, core, String(expConfig.body));
        this.#expMeta = { etag: expConfig.etag, from: expConfig.from };
      } catch (err) {
        this.#warn('experiments', err); // a config the core refuses: every feature is its default
      }
    }
    await this.#openShopper(o.uid);
    if (typeof BroadcastChannel === 'function' && this.#store.kind === 'indexeddb') { // tabs share IndexedDB only
      this.#channel = new BroadcastChannel(`tailor-sdk:${o.dbName}`);
      this.#channel.onmessage = (m) => this.#fromOtherTab(m.data).catch((err) => this.#warn('tabs', err));
    }
    if (typeof window !== 'undefined' && typeof document !== 'undefined' && o.root !== null) {
      installStyle(document);
      this.#dom = attach(o.root ?? document, this, { slotTimeoutMs: o.slotTimeoutMs });
      const on = (target, type, fn) => { target.addEventListener(type, fn); this.#listeners.push([target, type, fn]); };
      on(window, 'pagehide', () => this.#sync?.beacon());
      on(document, 'visibilitychange', () => { if (document.visibilityState === 'hidden') this.#sync?.beacon(); });
      on(window, 'online', () => this.#sync?.wake());
    }
  }

  // The shopper's profile from the device, and their sync channel.
  async #openShopper(uid) {
    const store = this.#store;
    let saved = await store.get('uid');
    if (uid && saved && uid !== saved) {
      // A different shopper on this device (signed in as someone else): start from nothing.
      await store.clearShopper();
      saved = undefined;
    }
    // A new device: the id the edge worker gave this shopper (its cookie), so both bucket alike.
    const fromEdge = typeof document !== 'undefined' ? readCookie(document.cookie, UID_COOKIE) : '';
    this.#uid = uid ?? saved ?? (UID_COOKIE_PATTERN.test(fromEdge) ? fromEdge : newUid());
    if (this.#uid !== saved) await store.set('uid', this.#uid);
    this.#anonymous = uid ? false : saved ? ((await store.get('anonymous')) ?? ANONYMOUS_UID.test(saved)) : true;
    await store.set('anonymous', this.#anonymous);
    this.#erased = (await store.get('erased')) === true;
    this.#tailor = await this.#pkg.Tailor.load({
      catalog: this.#catalogText, catalogFormat: this.#o.catalogFormat, config: this.#configText, wasm: this.#core,
    });
    const [events, meta] = await Promise.all([store.allEvents(), store.get('meta')]);
    try {
      this.#tailor.importState({ version: 1, events, ...(meta ?? {}) });
    } catch (err) {
      // A device state the core refuses (edited storage, older SDK): keep what is valid one by one.
      this.#warn('state', err);
      const r = this.#tailor.track(events.slice(-1000), { now: this.#now() });
      if (r.rejected.length) this.#warn('state', new Error(`${r.rejected.length} stored events were invalid and were dropped`));
    }
    this.#bump(true);
    this.#consent = this.#tailor.profile({ now: this.#now() }).consent ?? null;
    this.#lastConsentTs = this.#consent?.ts ?? 0;
    await this.#loadExperimentState();
    if (this.#o.server) {
      this.#sync = new Sync({
        url: this.#o.server.url, key: this.#o.server.key, token: this.#o.server.token,
        store, fetch: this.#o.fetch, retry: this.#o.retry, delayMs: this.#o.flushDelayMs,
        uid: () => this.#uid,
        allowed: () => this.syncAllowed,
        onRejected: (list) => this.#emit('rejected', { rejected: list }),
        onErased: (who) => { this.#onErased(who).catch((err) => this.#warn('erase', err)); },
      });
      await this.#sync.load();
      if (this.syncAllowed) {
        this.#sync.schedule(0);
        this.pull().catch((err) => this.#warn('pull', err));
      }
    }
  }

  #now() {
    const t = this.#o.now();
    return Math.floor(t);
  }

  #warn(what, err) {
    const detail = { what, message: String(err?.message ?? err), error: err };
    if (this.#early) this.#early.push(detail);
    else this.#emit('warning', detail);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #bump(shown) {
    this.#stateVersion++;
    if (shown) this.#viewVersion++;
    this.#profileCache = null;
  }

  /** Runs storage writes in order; failures are reported, never thrown at the page. */
  #persist(fn) {
    this.#io = this.#io.then(fn).catch((err) => this.#warn('storage', err));
    return this.#io;
  }

  // ---- public state

  get uid() { return this.#uid; }
  /** The latest consent event as the core sees it ({analytics, personalization, marketing, ts, event_id} or null). */
  get consentState() { return this.#consent; }
  /** True while events may leave the device: a server is configured, the consent purpose is granted, not erased. */
  get syncAllowed() {
    return !!this.#o.server && !this.#erased && this.#consent?.[this.#o.syncPurpose] === true;
  }
  get core() { return this.#core; }
  get tailor() { return this.#tailor; }
  get recommender() { return this.#rec; }

  status() {
    return {
      uid: this.#uid,
      store: this.#store.kind,
      consent: this.#consent,
      syncAllowed: this.syncAllowed,
      erased: this.#erased,
      tracked: this.#tracked,
      pending: this.#sync?.pending ?? 0,
      sync: this.#sync ? { ...this.#sync.stats, lastError: this.#sync.lastError } : null,
      bundle: this.#bundleMeta,
      experiments: this.#exp ? { ...this.#expMeta, stickyCookie: this.#o.experiments.cookie, exposed: this.#exposed.size } : null,
    };
  }

  // ---- events

  /**
   * Records one event of `type` with `fields` (the core's event model) for this shopper.
   * Returns the event, or null when the core rejected it (a `rejected` event says why).
   */
  track(type, fields = {}) {
    const ev = this.#record(type, fields);
    if (ev && type !== 'consent' && this.syncAllowed) this.#persist(() => this.#sync.enqueue([ev]));
    return ev;
  }

  #record(type, fields, tsAtLeast = 0, id = null) {
    const ts = Math.max(this.#now(), tsAtLeast);
    const ev = { ...fields, id: id ?? newEventId(ts), type, ts, uid: this.#uid };
    let r;
    try {
      r = this.#tailor.track(ev, { now: ts });
    } catch (err) {
      this.#emit('rejected', { rejected: [{ code: err.code ?? 'internal', message: err.message, where: err.where ?? '', event: ev }] });
      return null;
    }
    if (r.rejected.length) {
      this.#emit('rejected', { rejected: r.rejected.map((x) => ({ ...x, event: ev })) });
      return null;
    }
    this.#tracked++;
    this.#bump(REFRESH_TYPES.has(type));
    this.#persist(async () => {
      await this.#store.putEvents([ev]);
      if (this.#tracked % 100 === 0) await this.#store.pruneEvents(SDK_LIMITS.localEvents);
    });
    this.#emit('track', { event: ev });
    this.#channel?.postMessage({ kind: 'events', uid: this.#uid, events: [ev] });
    if (REFRESH_TYPES.has(type)) this.#scheduleRefresh();
    return ev;
  }

  /**
   * Records the shopper's consent choice (a `consent` event) and applies it:
   * granting the sync purpose uploads the profile kept on the device; withdrawing it
   * sends only the withdrawal record and stops sync; the core turns personalization
   * off when `personalization` is false.
   */
  async consent({ analytics = false, personalization = false, marketing = false } = {}) {
    const before = this.syncAllowed;
    // The latest consent wins by (ts, id): never stamp a choice before the previous one.
    const ev = this.#record('consent', { analytics: !!analytics, personalization: !!personalization, marketing: !!marketing },
      this.#lastConsentTs + 1);
    if (!ev) return this.#consent;
    this.#lastConsentTs = ev.ts;
    this.#consent = this.#tailor.profile({ now: ev.ts }).consent ?? null;
    const after = this.syncAllowed;
    // The shared cookies follow the choice at once, in the same task as syncAllowed.
    if (before && !after) this.#clearCookie();
    else this.#writeCookie();
    await this.#io;
    if (this.#sync) {
      if (!before && after) {
        await this.#store.set('synced', true);
        await this.#sync.enqueue(this.#stateEvents());
        this.#sync.wake();
        this.pull().catch((err) => this.#warn('pull', err)); // also merges pending identities and settings
      } else if (before && !after) {
        await this.#sync.enqueue([ev], { final: true });
        await this.#sync.keepOnlyFinal();
        this.#sync.wake();
      } else if (after) {
        await this.#sync.enqueue([ev]);
      }
    }
    this.#emit('consent', { consent: this.#consent, syncAllowed: after });
    return this.#consent;
  }

  /** Deletes a tag or segment from the profile for good (kept on this device). */
  deleteTag(kind, key) {
    this.#tailor.deleteTag(kind, key);
    this.#saveMeta();
  }

  /** Turns personalization off or on (latest setting wins; kept on this device). */
  setPersonalized(enabled) {
    const prev = JSON.parse(this.#tailor.exportState()).personalization?.ts ?? 0;
    this.#tailor.setPersonalized(!!enabled, { now: Math.max(this.#now(), prev + 1) });
    this.#saveMeta();
  }

  #saveMeta({ push = true } = {}) {
    const { suppressed, personalization } = this.#settings();
    this.#bump(true);
    this.#persist(() => this.#store.set('meta', { suppressed, personalization }));
    this.#channel?.postMessage({ kind: 'meta', uid: this.#uid, suppressed, personalization });
    this.#scheduleRefresh();
    this.#emit('profile', {});
    if (push && this.syncAllowed) this.syncSettings().catch((err) => this.#warn('settings', err));
  }

  #settings() {
    const { suppressed, personalization } = JSON.parse(this.#tailor.exportState());
    return { suppressed, personalization };
  }

  /**
   * Round-trips the shopper's settings (deleted tags, the personalization switch) with
   * tailor-sync: sends the device's, merges the server's answer (the core's merge: union
   * of suppressions, latest switch wins). Only while sync is allowed. Resolves to true
   * when the server answered.
   */
  async syncSettings() {
    if (!this.#sync || !this.syncAllowed) return false;
    if (this.#settingsReq) {
      this.#settingsAgain = true; // a change during the request: send again after it
      return this.#settingsReq;
    }
    this.#settingsReq = (async () => {
      let ok = false;
      try {
        do {
          this.#settingsAgain = false;
          await this.#io;
          const merged = await this.#sync.settings(this.#settings());
          if (!merged) return false;
          ok = true;
          const before = JSON.stringify(this.#settings());
          try {
            this.#tailor.importState({ version: 1, suppressed: merged.suppressed ?? [], personalization: merged.personalization });
          } catch (err) {
            this.#warn('settings', err); // the core refuses what the server sent: keep the device's
            return false;
          }
          if (JSON.stringify(this.#settings()) !== before) this.#saveMeta({ push: false });
          this.#emit('settings', { settings: this.#settings(), from: 'server' });
        } while (this.#settingsAgain);
        return ok;
      } finally {
        this.#settingsReq = null;
      }
    })();
    return this.#settingsReq;
  }

  #stateEvents() {
    if (this.#eventsCache?.version !== this.#stateVersion) {
      const events = JSON.parse(this.#tailor.exportState()).events;
      this.#eventsCache = { version: this.#stateVersion, events, forRecommend: null };
    }
    return this.#eventsCache.events;
  }

  #recommendEvents() {
    const all = this.#stateEvents();
    // The newest `recommendEvents` of them (exportState orders by ts): the core's cost grows with
    // the distinct items in the history, and older events have decayed (history half-life) anyway.
    this.#eventsCache.forRecommend ??= all.filter((e) => RECOMMEND_TYPES.has(e.type)).slice(-this.#o.recommendEvents);
    return this.#eventsCache.forRecommend;
  }

  /** The profile the core folds from the shopper's events at `now`. */
  profile({ now } = {}) {
    if (now !== undefined) return this.#tailor.profile({ now });
    const t = this.#now();
    const c = this.#profileCache;
    if (c && c.version === this.#stateVersion && t - c.at < SDK_LIMITS.profileCacheMs) return c.value;
    const value = this.#tailor.profile({ now: t });
    this.#profileCache = { version: this.#stateVersion, at: t, value };
    return value;
  }

  // ---- decisions (the core's)

  /**
   * The core's recommendation for `slot`. The shopper's events go in only while the
   * core says the profile is personalized (consent and the personalization switch).
   */
  recommend(slot, { context = [], size, exclude, filters, shown } = {}) {
    if (!this.#rec) throw new Error('no bundle is loaded: recommendations are unavailable');
    const p = this.profile();
    const req = { slot, now: this.#now(), context };
    if (p.personalized) {
      req.events = this.#recommendEvents();
      if (p.cart?.length) req.cart = p.cart.map((l) => l.item_id);
      // The profile's segments pick the bundle's per-segment trending lists (source segment_trending).
      if (p.segments?.length) req.segments = p.segments.map((s) => s.id);
    }
    if (size !== undefined) req.size = size;
    if (exclude) req.exclude = exclude;
    if (filters) req.filters = filters;
    if (shown) req.shown = shown;
    return this.#rec.recommend(req);
  }

  /** Renders a named template (options.templates) with the shopper's profile; returns the text. */
  renderCopy(name, data = {}) {
    const src = this.#o.templates?.[name];
    if (typeof src !== 'string' || !this.#copy) throw new Error(`no copy template named ${name}`);
    let t = this.#templates.get(name);
    if (!t) {
      t = this.#copy.compile(src);
      this.#templates.set(name, t);
    }
    const p = this.profile();
    const input = { profile: p, segments: (p.segments ?? []).map((s) => s.id), page: data };
    const opts = { now_ms: this.#now(), locale: this.#o.locale };
    if (this.#o.currency) opts.currency = this.#o.currency;
    return t.render(input, opts).text;
  }

  // ---- slots

  /** Fills one slot element now (called by the page wiring; safe to call again). */
  fillSlot(el) {
    if (el.hasAttribute('data-tailor-copy')) return this.#fillCopy(el);
    if (!el.hasAttribute('data-tailor-slot')) return this.#fillFeature(el);
    const slot = this.#variantName(el, el.getAttribute('data-tailor-slot'));
    if (!slot || !this.#rec) return;
    const context = (el.getAttribute('data-tailor-context') ?? '').split(/\s+/).filter(Boolean);
    const sizeAttr = el.getAttribute('data-tailor-size');
    const size = sizeAttr ? Number(sizeAttr) : undefined;
    const key = `${this.#viewVersion}|${slot}|${context.join(' ')}|${sizeAttr ?? ''}`;
    if (this.#slotKeys.get(el) === key) return;
    this.#slotKeys.set(el, key);
    let decision;
    try {
      decision = this.recommend(slot, { context, size: Number.isInteger(size) && size > 0 ? size : undefined });
    } catch (err) {
      el.setAttribute('data-tailor-state', 'error');
      el.setAttribute('data-tailor-error', `${err.code ?? 'error'}: ${err.message}`);
      this.#warn('recommend', err);
      return;
    }
    const nodes = [];
    for (const item of decision.items) {
      const node = this.#o.renderItem
        ? this.#o.renderItem(item, { slot, decision, element: el, reasonText: describeReasons(item.reasons) })
        : renderFromTemplate(el, item);
      if (node) nodes.push(node);
    }
    if (!nodes.length) {
      el.setAttribute('data-tailor-state', 'empty'); // the page's fallback content shows
    } else {
      const keep = [...el.querySelectorAll(':scope > template')];
      el.replaceChildren(...keep, ...nodes);
      el.setAttribute('data-tailor-state', 'filled');
    }
    el.setAttribute('data-tailor-fallback', decision.fallback ?? '');
    const ids = decision.items.map((i) => i.id);
    const imp = ids.length ? this.#record('impression', { slot, item_ids: ids.slice(0, SDK_LIMITS.impressionItems) }) : null;
    if (imp && this.syncAllowed) this.#persist(() => this.#sync.enqueue([imp]));
    this.#emit('slot', { element: el, slot, decision });
  }

  // A slot or copy element with data-tailor-feature: a string value of that feature names
  // the slot (a recommender configuration) or template to use instead (A/B tests of them).
  #variantName(el, name) {
    const key = el.getAttribute('data-tailor-feature');
    if (!key) return name;
    const v = this.feature(key).value;
    return typeof v === 'string' && v ? v : name;
  }

  // An element with data-tailor-feature: its children with data-tailor-variation show the
  // feature's value (see dom.mjs applyFeature), set before the element is first painted.
  #fillFeature(el) {
    const key = el.getAttribute('data-tailor-feature');
    if (!key) return;
    const f = this.feature(key);
    const state = this.#exp && f.source !== 'unknownFeature' ? 'applied' : 'default';
    const mark = `${key}|${state}|${JSON.stringify(f.value)}`;
    if (this.#slotKeys.get(el) === mark) return;
    this.#slotKeys.set(el, mark);
    applyFeature(el, f, state);
    this.#emit('feature', { element: el, key, result: f });
  }

  #fillCopy(el) {
    const name = this.#variantName(el, el.getAttribute('data-tailor-copy'));
    const key = `${this.#viewVersion}|copy|${name}|${el.getAttribute('data-tailor-data') ?? ''}`;
    if (this.#slotKeys.get(el) === key) return;
    this.#slotKeys.set(el, key);
    try {
      let data = {};
      const raw = el.getAttribute('data-tailor-data');
      if (raw) data = JSON.parse(raw);
      el.textContent = this.renderCopy(name, data);
      el.setAttribute('data-tailor-state', 'filled');
    } catch (err) {
      el.setAttribute('data-tailor-state', 'default'); // keep the page's own text
      el.setAttribute('data-tailor-error', `${err.code ?? 'error'}: ${err.message}`);
      this.#warn('copy', err);
    }
  }

  #scheduleRefresh() {
    if (this.#refreshQueued || !this.#dom) return;
    this.#refreshQueued = true;
    queueMicrotask(() => {
      this.#refreshQueued = false;
      this.refresh();
    });
  }

  /** Re-fills every slot on the page whose inputs changed. */
  refresh() {
    this.#dom?.refresh();
    this.#emit('profile', {});
  }

  // ---- sync

  /** Uploads queued events now (when allowed). */
  async flush() {
    await this.#io;
    if (this.#sync) await this.#sync.flush();
  }

  /** Fetches the shopper's events the server has beyond the stored watermark and merges them. */
  async pull() {
    if (!this.#sync || !this.syncAllowed) return 0;
    await this.#mergeIdentities();
    const key = 'watermark';
    const since = (await this.#store.get(key)) ?? 0;
    const r = await this.#sync.pull(since);
    if (!r) return 0;
    let added = 0;
    for (let i = 0; i < r.events.length; i += SDK_LIMITS.importChunk) {
      const chunk = r.events.slice(i, i + SDK_LIMITS.importChunk);
      const before = this.#stateVersion;
      this.#tailor.importState({ version: 1, events: chunk });
      added += chunk.length;
      if (before === this.#stateVersion) this.#bump(true);
      await this.#persist(() => this.#store.putEvents(chunk));
      this.#channel?.postMessage({ kind: 'events', uid: this.#uid, events: chunk }); // the other tabs fold them in too
    }
    await this.#persist(() => this.#store.set(key, r.watermark));
    if (r.events.length) {
      this.#consent = this.#tailor.profile({ now: this.#now() }).consent ?? null;
      this.#lastConsentTs = Math.max(this.#lastConsentTs, this.#consent?.ts ?? 0);
      this.#scheduleRefresh();
    }
    this.#emit('pulled', { events: added, watermark: r.watermark });
    await this.syncSettings();
    return added;
  }

  async #onErased(uid) {
    if (uid !== this.#uid) return;
    this.#erased = true;
    await this.#store.set('erased', true);
    this.#emit('erased', { uid });
    if (this.#o.onErased === 'forget') await this.forget({ remote: false });
  }

  /**
   * Forgets the shopper on this device: events, outbox, settings and id; a new anonymous id
   * starts with no consent. With `remote` (default) and a profile that was ever synced,
   * `options.onForget({uid, token})` is called first so the store's backend can erase it.
   */
  async forget({ remote = true } = {}) {
    const uid = this.#uid;
    await this.#io;
    const synced = (await this.#store.get('synced')) === true;
    this.#sync?.stop();
    if (remote && synced && this.#o.onForget && this.#o.server) {
      await this.#o.onForget({ uid, token: () => this.#o.server.token(uid) });
    }
    await this.#startOver();
    this.#channel?.postMessage({ kind: 'forgotten', uid, newUid: this.#uid });
    this.#emit('forgotten', { uid, newUid: this.#uid });
  }

  // Clears the shopper from the device (events, queue, settings, sticky buckets) and opens
  // `uid` (default: a new anonymous one) without consent.
  async #startOver(uid = undefined) {
    await this.#sync?.clear();
    await this.#store.clearShopper();
    this.#clearCookie();
    this.#tailor.close();
    this.#sync = null;
    this.#consent = null;
    this.#lastConsentTs = 0;
    await this.#openShopper(uid);
    this.#scheduleRefresh();
  }

  // ---- identity

  /**
   * The shopper signed in as `userId`: the anonymous profile continues under it. `token`
   * is userId's shopper token from the store's backend (else server.token(userId) is asked).
   * While sync is allowed, tailor-sync merges the anonymous id into userId first
   * (POST /v1/identify: union by event id, so nothing counts twice); a refusal (403, 410)
   * throws and changes nothing. Otherwise the merge waits on the device until sync is
   * allowed. Other tabs follow. Resolves to {uid, previousUid, server}. When the current id
   * is itself a signed-in one, the accounts are not merged: the device starts over as userId
   * (as after reset(); previousUid is null).
   */
  async identify(userId, token) {
    if (typeof userId !== 'string' || !userId || new TextEncoder().encode(userId).length > 128) {
      throw new TypeError('identify(userId): userId must be a string of 1 to 128 bytes');
    }
    await this.#io;
    const previous = this.#uid;
    const hasToken = token !== undefined && token !== null;
    if (hasToken && !this.#sync) throw new TypeError('identify: a token needs a server');
    if (userId === previous) {
      if (hasToken) this.#sync.setToken(userId, token);
      return { uid: userId, previousUid: null, server: null };
    }
    if (!this.#anonymous) {
      // Another account signs in on this device: two accounts are never merged. What is
      // queued is sent first (while allowed); then the device starts over as userId.
      if (this.#sync && this.syncAllowed) await this.#sync.flush().catch((err) => this.#warn('sync', err));
      this.#sync?.stop();
      await this.#startOver(userId);
      if (hasToken) this.#sync?.setToken(userId, token);
      this.#channel?.postMessage({ kind: 'reset', uid: previous, newUid: userId });
      this.#emit('identified', { uid: userId, previousUid: null, server: null });
      return { uid: userId, previousUid: null, server: null };
    }
    if (hasToken) this.#sync.setToken(userId, token);
    const links = [...((await this.#store.get('links')) ?? []), { uid: userId, previous_uid: previous }];
    let server = null;
    if (this.syncAllowed) {
      try {
        server = await this.#sync.identify(userId, previous);
        links.pop();
      } catch (err) {
        if (isRefusal(err)) throw err; // the server says no: stay the anonymous shopper
        this.#warn('identify', err); // unreachable: merged when the server is back
      }
    }
    this.#uid = userId;
    this.#anonymous = false;
    await this.#store.set('uid', userId);
    await this.#store.set('anonymous', false);
    await this.#store.set('links', links);
    await this.#store.set('watermark', 0); // the signed-in profile's events are new to this device
    this.#channel?.postMessage({ kind: 'identified', uid: previous, newUid: userId });
    const ev = this.#record('identify', { previous_uid: previous });
    if (ev && this.syncAllowed) this.#persist(() => this.#sync.enqueue([ev]));
    this.#writeCookie();
    this.#scheduleRefresh();
    this.#emit('identified', { uid: userId, previousUid: previous, server });
    if (this.syncAllowed) this.pull().catch((err) => this.#warn('pull', err)); // the signed-in profile's other devices
    return { uid: userId, previousUid: previous, server };
  }

  // Merges still pending on the device (identify while offline or before consent).
  async #mergeIdentities() {
    const links = (await this.#store.get('links')) ?? [];
    if (!links.length || !this.#sync) return;
    const left = [];
    for (const [i, l] of links.entries()) {
      try {
        await this.#sync.identify(l.uid, l.previous_uid);
      } catch (err) {
        this.#warn('identify', err);
        if (!isRefusal(err)) {
          left.push(...links.slice(i)); // try again with the next pull
          break;
        }
      }
    }
    await this.#store.set('links', left);
  }

  /**
   * Sign-out: what was tracked is sent first (while allowed), then the device forgets the
   * shopper (nothing is erased on the server) and a fresh anonymous id starts, without
   * consent. Other tabs follow. Resolves to {uid, newUid, unsent} (events that could not be sent).
   */
  async reset() {
    const uid = this.#uid;
    await this.#io;
    if (this.#sync && this.syncAllowed) await this.#sync.flush().catch((err) => this.#warn('sync', err));
    const unsent = this.#sync?.pending ?? 0;
    this.#sync?.stop();
    await this.#startOver();
    this.#channel?.postMessage({ kind: 'reset', uid, newUid: this.#uid });
    this.#emit('reset', { uid, newUid: this.#uid, unsent });
    return { uid, newUid: this.#uid, unsent };
  }

  // ---- experiments (the core's GrowthBook evaluation; see experiments.mjs)

  // The sticky buckets and recorded exposures of the shopper on this device.
  async #loadExperimentState() {
    this.#exposed = new Set((await this.#store.get('exposed')) ?? []);
    if (!this.#exp) return;
    // The shared cookie first (the edge may have bucketed this shopper), else the device's copy.
    const fromCookie = typeof document !== 'undefined' ? readCookie(document.cookie) : '';
    let err = fromCookie ? this.#exp.loadCookie(fromCookie) : null;
    if (err) this.#warn('experiments', new Error(`the ${STICKY_COOKIE} cookie was refused (${err.code ?? 'error'}: ${err.message}); using the device's copy`));
    if (fromCookie && !err) {
      await this.#store.set('sticky', fromCookie); // what the edge decided is the device's copy now
    } else {
      err = this.#exp.loadCookie((await this.#store.get('sticky')) ?? '');
      if (err) this.#warn('experiments', err);
    }
    this.#writeCookie();
  }

  #evaluate() {
    if (!this.#exp) return null;
    const a = this.#o.experiments.attributes;
    const extra = typeof a === 'function' ? a({ uid: this.#uid, profile: () => this.profile() }) : a;
    const user = { attributes: { ...(extra ?? {}), id: this.#uid } };
    if (this.#o.experiments.url && typeof location !== 'undefined') user.url = location.href;
    let r;
    try {
      r = this.#exp.evaluate(user);
    } catch (err) {
      this.#warn('experiments', err);
      return null;
    }
    if (r.changed) {
      const value = this.#exp.cookieValue();
      this.#persist(() => this.#store.set('sticky', value));
      this.#writeCookie(value);
    }
    return r;
  }

  // The cookies the edge shares (sticky buckets, the uid) mirror the device while the policy allows.
  #writeCookie(value) {
    if (!this.#exp || typeof document === 'undefined') return;
    const policy = this.#o.experiments.cookie;
    const allowed = policy === 'always' || (policy === 'consent' && this.syncAllowed);
    if (!allowed) return; // (removed on withdrawal, sign-out and erasure; an edge's own cookies stay)
    const secure = location.protocol === 'https:';
    const uid = UID_COOKIE_PATTERN.test(this.#uid) ? this.#uid : '';
    if (readCookie(document.cookie, UID_COOKIE) !== uid) document.cookie = cookieText(uid, { secure, name: UID_COOKIE });
    const v = value ?? this.#exp.cookieValue();
    if (readCookie(document.cookie) !== v) document.cookie = cookieText(v, { secure });
  }

  #clearCookie() {
    if (typeof document === 'undefined') return;
    const secure = location.protocol === 'https:';
    for (const name of [STICKY_COOKIE, UID_COOKIE]) {
      if (readCookie(document.cookie, name)) document.cookie = cookieText('', { secure, name });
    }
  }

  /** Every feature's result for this shopper ({key: FeatureResult}); records no exposure. */
  features() {
    return this.#evaluate()?.features ?? {};
  }

  /**
   * One feature's result (GrowthBook's FeatureResult, decided by the core). When the
   * shopper is in an experiment through it, an `exposure` event is recorded, once per
   * shopper, experiment and variation (the core's dedupe key).
   */
  feature(key) {
    const r = this.#evaluate();
    const f = r?.features?.[key];
    if (!f) return UNKNOWN_FEATURE;
    this.#expose(r.exposures.filter((x) => x.featureId === key));
    return f;
  }

  isOn(key) { return this.feature(key).on === true; }
  getFeatureValue(key, fallback) {
    const v = this.feature(key).value;
    return v === null || v === undefined ? fallback : v;
  }

  #expose(list) {
    const fresh = list.filter((x) => !this.#exposed.has(x.dedupeKey));
    if (!fresh.length) return;
    for (const x of fresh) this.#exposed.add(x.dedupeKey);
    if (this.#exposed.size > MAX_TRACKED_EXPOSURES) this.#exposed = new Set([...this.#exposed].slice(-MAX_TRACKED_EXPOSURES));
    const uid = this.#uid;
    const exp = this.#exp;
    // Claimed in the store first: of two tabs showing the same experiment, one records it
    // (two copies of one event id with different times would make the device's fold differ
    // from the server's).
    this.#persist(async () => {
      const mine = new Set(await this.#store.claim('exposed', fresh.map((x) => x.dedupeKey), MAX_TRACKED_EXPOSURES));
      for (const x of fresh.filter((f) => mine.has(f.dedupeKey))) {
        // The id tailor-sync's POST /v1/assign gives the same exposure, so either side's copy dedupes the other.
        const id = exp.exposureEventId(x.dedupeKey);
        if (this.#uid !== uid) return; // signed in or out meanwhile: that shopper's page is gone
        const ev = this.#record('exposure', { experiment: String(x.experimentKey), variation: String(x.variationKey) }, 0, id);
        if (ev && this.syncAllowed) await this.#sync.enqueue([ev]);
      }
    });
  }

  // Another tab of the same shop tracked events, changed settings or forgot the shopper.
  // Its events are already in IndexedDB and in its own upload queue; this tab only folds them in.
  async #fromOtherTab(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.kind === 'forgotten' || msg.kind === 'reset') {
      if (msg.uid !== this.#uid) return;
      this.#sync?.stop();
      this.#tailor.close();
      this.#sync = null;
      this.#consent = null;
      this.#lastConsentTs = 0;
      await this.#openShopper(undefined);
      this.#scheduleRefresh();
      this.#emit(msg.kind, { uid: msg.uid, newUid: this.#uid });
      return;
    }
    if (msg.kind === 'identified') {
      if (msg.uid !== this.#uid || typeof msg.newUid !== 'string') return;
      this.#uid = msg.newUid; // same events (IndexedDB is shared); the signing-in tab talks to the server
      this.#anonymous = false;
      await this.#loadExperimentState();
      this.#bump(true);
      this.#scheduleRefresh();
      this.#emit('identified', { uid: msg.newUid, previousUid: msg.uid, server: null });
      return;
    }
    if (msg.uid !== this.#uid) return;
    if (msg.kind === 'events' && Array.isArray(msg.events)) {
      const r = this.#tailor.track(msg.events, { now: this.#now() });
      if (!r.added) return;
      // Impressions change nothing shown: refreshing on them would ping-pong between tabs.
      const shown = msg.events.some((e) => REFRESH_TYPES.has(e.type));
      this.#bump(shown);
      if (msg.events.some((e) => e.type === 'consent')) {
        this.#consent = this.#tailor.profile({ now: this.#now() }).consent ?? null;
        this.#lastConsentTs = Math.max(this.#lastConsentTs, this.#consent?.ts ?? 0);
        this.#emit('consent', { consent: this.#consent, syncAllowed: this.syncAllowed });
      }
      if (shown) this.#scheduleRefresh();
      else this.#emit('profile', {});
    } else if (msg.kind === 'meta') {
      this.#tailor.importState({ version: 1, suppressed: msg.suppressed, personalization: msg.personalization });
      this.#bump(true);
      this.#scheduleRefresh();
    }
  }

  /** Stops listening and syncing; frees the core's memory. */
  close() {
    this.#channel?.close();
    this.#dom?.detach();
    for (const [t, type, fn] of this.#listeners) t.removeEventListener(type, fn);
    this.#sync?.stop();
    for (const t of this.#templates.values()) t.close();
    this.#rec?.close();
    this.#exp?.close();
    this.#tailor?.close();
    this.#store.close();
  }
}
