// Moving events to tailor-sync and back: batches, keepalive fetch, sendBeacon on
// pagehide, an offline queue with exponential backoff, and the profile pull with
// the server's watermark. It never decides anything about the shopper: which
// events may leave is told to it by the SDK (from the core's consent state).

/** Named limits of the transport. */
export const SYNC_LIMITS = Object.freeze({
  /** Events per POST (the server takes 1,000 and 1 MiB). */
  batchEvents: 200,
  /** keepalive fetch and sendBeacon bodies must stay under 64 KiB in browsers. */
  keepaliveBytes: 60 * 1024,
  /** Events held for upload at most (the core keeps 5,000 per profile). */
  outboxEvents: 5000,
  /** Events per profile page requested from the server. */
  pullPage: 1000,
});

const jitter = (ms) => Math.round(ms * (0.5 + Math.random() / 2));

export class Sync {
  #o;
  #outbox = new Map(); // id -> event, in memory; mirrored in the store
  #final = new Set(); // ids that may be sent even when sync is not allowed (a withdrawal)
  #tokens = new Map(); // uid -> { token, exp_ms }: events of an id merged by identify still go with its own token
  #timer = null;
  #attempt = 0;
  #flushing = null;
  #stopped = false;
  #batchMax = SYNC_LIMITS.batchEvents;
  stats = { requests: 0, sent: 0, acked: 0, duplicates: 0, rejected: 0, failures: 0, beacons: 0, pulled: 0 };
  lastError = null;

  /**
   * o: { url, key, token(uid) -> Promise<string|{token, expires_at}>, store, uid(), allowed(),
   *      fetch, onRejected(list), onErased(uid), onPulled(events), retry: {baseMs, maxMs}, delayMs }
   */
  constructor(o) {
    this.#o = { delayMs: 1000, retry: { baseMs: 1000, maxMs: 60000 }, ...o };
    this.#o.retry = { baseMs: 1000, maxMs: 60000, ...(o.retry ?? {}) };
  }

  async load() {
    const saved = await this.#o.store.outboxAll();
    for (const e of saved) {
      if (e.__final) this.#final.add(e.id);
      delete e.__final;
      this.#outbox.set(e.id, e);
    }
  }

  get pending() { return this.#outbox.size; }
  pendingIds() { return [...this.#outbox.keys()]; }

  /** Queues events for upload (persisted first, so a closed tab loses nothing). */
  async enqueue(events, { final = false } = {}) {
    const fresh = events.filter((e) => !this.#outbox.has(e.id));
    if (!fresh.length) return;
    await this.#o.store.outboxPut(fresh.map((e) => (final ? { ...e, __final: true } : e)));
    for (const e of fresh) {
      this.#outbox.set(e.id, e);
      if (final) this.#final.add(e.id);
    }
    // Bounded: the oldest go first (they are still in the local profile).
    if (this.#outbox.size > SYNC_LIMITS.outboxEvents) {
      const drop = [...this.#outbox.values()].sort((a, b) => a.ts - b.ts)
        .slice(0, this.#outbox.size - SYNC_LIMITS.outboxEvents).map((e) => e.id);
      await this.#forget(drop);
    }
    this.schedule();
  }

  /** Drops everything queued except the `final` events (consent withdrawn). */
  async keepOnlyFinal() {
    await this.#forget([...this.#outbox.keys()].filter((id) => !this.#final.has(id)));
  }

  async clear() {
    this.#outbox.clear();
    this.#final.clear();
    this.#tokens.clear();
    await this.#o.store.outboxClear();
  }

  async #forget(ids) {
    for (const id of ids) {
      this.#outbox.delete(id);
      this.#final.delete(id);
    }
    if (ids.length) await this.#o.store.outboxDelete(ids);
  }

  #sendable() {
    const all = [...this.#outbox.values()].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
    return this.#o.allowed() ? all : all.filter((e) => this.#final.has(e.id));
  }

  /** Flushes soon (coalesces bursts of events into one request). */
  schedule(delay = this.#o.delayMs) {
    if (this.#stopped || this.#timer !== null) return;
    if (!this.#sendable().length) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(() => {});
    }, delay);
  }

  /** Online again: retry now. */
  wake() {
    this.#attempt = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.schedule(0);
  }

  stop() {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #tokenReqs = new Map(); // uid -> the token request in flight

  /** A token the page already holds (e.g. from its sign-in), so the provider is not asked. */
  setToken(uid, t) {
    const token = typeof t === 'string' ? t : t?.token;
    if (typeof token !== 'string' || !token) throw new TypeError('a shopper token is a non-empty string (or {token})');
    // v1.<exp>.<uid>.<mac>: exp is Unix seconds.
    const exp = Number(token.split('.')[1]);
    this.#tokens.set(uid, { token, exp_ms: Number.isFinite(exp) ? exp * 1000 : Date.now() + 3600e3 });
  }

  async #authHeaders(uid = this.#o.uid(), fresh = false) {
    const cached = this.#tokens.get(uid);
    if (fresh || !cached || cached.exp_ms - 60000 < Date.now()) {
      // One token request per uid at a time (a flush and a pull often start together).
      if (!this.#tokenReqs.has(uid)) {
        this.#tokenReqs.set(uid, (async () => {
          try {
            this.setToken(uid, await this.#o.token(uid));
          } catch (err) {
            throw new Error(`the token provider returned no token for ${uid}: ${err.message}`);
          } finally {
            this.#tokenReqs.delete(uid);
          }
        })());
      }
      await this.#tokenReqs.get(uid);
    }
    return { authorization: `Bearer ${this.#o.key}`, 'x-tailor-token': this.#tokens.get(uid).token };
  }

  /** The shopper token for uid (asks the provider when none is held). */
  async tokenFor(uid) {
    return (await this.#authHeaders(uid))['x-tailor-token'];
  }

  /** Uploads every sendable event now; resolves when done or when a retry is scheduled. */
  flush() {
    if (this.#flushing) return this.#flushing;
    this.#flushing = this.#flushLoop().finally(() => { this.#flushing = null; });
    return this.#flushing;
  }

  async #flushLoop() {
    let retried401 = false; // once per flush
    let freshToken = false; // for the next request only
    while (!this.#stopped) {
      // One uid per request: a browser token covers one shopper (after identify, the
      // anonymous id's queued events still go with its own token; the server follows the alias).
      const sendable = this.#sendable();
      const uid = sendable[0]?.uid;
      const batch = [];
      let bytes = 2;
      for (const e of sendable) {
        if (e.uid !== uid) continue;
        const n = JSON.stringify(e).length + 1;
        if (batch.length >= this.#batchMax || (batch.length && bytes + n > 512 * 1024)) break;
        batch.push(e);
        bytes += n;
      }
      if (!batch.length) return;
      const body = JSON.stringify(batch);
      let res;
      try {
        const headers = { ...(await this.#authHeaders(uid, freshToken)), 'content-type': 'application/json' };
        freshToken = false;
        this.stats.requests++;
        res = await this.#o.fetch(`${this.#o.url}/v1/events`, {
          method: 'POST', headers, body, keepalive: body.length < SYNC_LIMITS.keepaliveBytes, credentials: 'omit',
        });
      } catch (err) {
        return this.#backoff(err);
      }
      let json = null;
      try { json = await res.json(); } catch { /* not JSON */ }
      if (res.status === 200 || res.status === 422) {
        this.#attempt = 0;
        this.stats.sent += batch.length;
        this.stats.acked += json?.accepted ?? 0;
        this.stats.duplicates += json?.duplicates ?? 0;
        const rejected = Array.isArray(json?.rejected) ? json.rejected : [];
        this.stats.rejected += rejected.length;
        // Acknowledged (stored or already there) or rejected for good: either way done.
        await this.#forget(batch.map((e) => e.id));
        if (rejected.some((r) => r.code === 'erased')) return this.#erased();
        if (rejected.length) this.#o.onRejected?.(rejected.map((r) => ({ ...r, event: batch[r.index] })));
        continue;
      }
      const code = json?.error?.code ?? `http_${res.status}`;
      this.lastError = { status: res.status, code, message: json?.error?.message ?? '' };
      if (res.status === 410) return this.#erased();
      if (res.status === 401 && (code === 'invalid_token' || code === 'token_required') && !retried401) {
        retried401 = true; // an expired or rotated token: ask for a new one once
        freshToken = true;
        continue;
      }
      if (res.status === 413 && batch.length > 1) {
        this.#batchMax = Math.max(1, batch.length >> 1); // smaller batches from now on
        continue;
      }
      if (res.status === 429 || res.status >= 500 || res.status === 408) {
        const after = Number(res.headers.get('retry-after'));
        return this.#backoff(new Error(code), Number.isFinite(after) && after > 0 ? after * 1000 : undefined);
      }
      // Any other 4xx (a bad key, a forbidden uid): retrying cannot help soon; back off to the maximum.
      this.#attempt = 30;
      return this.#backoff(new Error(code));
    }
  }

  #backoff(err, atLeastMs) {
    this.stats.failures++;
    this.lastError ??= { status: 0, code: 'network', message: String(err?.message ?? err) };
    if (!this.lastError.status) this.lastError = { status: 0, code: 'network', message: String(err?.message ?? err) };
    const { baseMs, maxMs } = this.#o.retry;
    const delay = Math.max(atLeastMs ?? 0, jitter(Math.min(maxMs, baseMs * 2 ** Math.min(this.#attempt, 30))));
    this.#attempt++;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.schedule(delay);
    this.nextRetryMs = delay;
  }

  async #erased() {
    this.stop();
    await this.clear();
    this.#o.onErased?.(this.#o.uid());
  }

  /**
   * Page is going away: hands what fits in one beacon to the browser. The events stay
   * queued (the server ignores ids it has), so nothing is lost if the beacon is dropped.
   */
  beacon() {
    const uid = this.#o.uid();
    const held = this.#tokens.get(uid);
    if (this.#stopped || !held) return false;
    if (typeof navigator === 'undefined' || typeof navigator.sendBeacon !== 'function') return false;
    const batch = [];
    let bytes = 2;
    for (const e of this.#sendable()) {
      if (e.uid !== uid) continue;
      const n = JSON.stringify(e).length + 1;
      if (bytes + n > SYNC_LIMITS.keepaliveBytes || batch.length >= SYNC_LIMITS.batchEvents) break;
      batch.push(e);
      bytes += n;
    }
    if (!batch.length) return false;
    const q = new URLSearchParams({ key: this.#o.key, token: held.token });
    // text/plain keeps it a simple CORS request (no preflight, which beacons cannot do).
    const ok = navigator.sendBeacon(`${this.#o.url}/v1/events?${q}`, new Blob([JSON.stringify(batch)], { type: 'text/plain' }));
    if (ok) this.stats.beacons++;
    return ok;
  }

  // One JSON request as `uid` (a 401 for an expired token is retried once with a new one).
  async #request(method, path, body, uid = this.#o.uid()) {
    for (let attempt = 0; ; attempt++) {
      const headers = { ...(await this.#authHeaders(uid, attempt > 0)), 'content-type': 'application/json' };
      this.stats.requests++;
      const res = await this.#o.fetch(`${this.#o.url}${path}`, {
        method, headers, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store',
      });
      let json = null;
      try { json = await res.json(); } catch { /* not JSON */ }
      if (res.status === 401 && attempt === 0 && (json?.error?.code === 'invalid_token' || json?.error?.code === 'token_required')) continue;
      if (!res.ok) {
        this.lastError = { status: res.status, code: json?.error?.code ?? `http_${res.status}`, message: json?.error?.message ?? '' };
      }
      return { status: res.status, json };
    }
  }

  /**
   * Merges the anonymous `previousUid` into `uid` on the server (POST /v1/identify):
   * the request carries uid's token, and previous_token proves previousUid.
   * Resolves to the server's answer ({uid, moved, duplicates, already_merged});
   * throws with `.status` and `.code` when it refuses.
   */
  async identify(uid, previousUid) {
    const previous_token = await this.tokenFor(previousUid);
    const r = await this.#request('POST', '/v1/identify', { uid, previous_uid: previousUid, previous_token }, uid);
    if (r.status === 200) return r.json;
    throw Object.assign(new Error(`identify: ${r.json?.error?.message ?? `HTTP ${r.status}`}`),
      { status: r.status, code: r.json?.error?.code ?? `http_${r.status}` });
  }

  /**
   * Sends the shopper's settings ({suppressed, personalization}) and returns the
   * server's merged settings (POST /v1/profiles/{uid}/settings), or null when the
   * server could not be reached or refused (lastError says why). 410: erased.
   */
  async settings(body) {
    if (this.#stopped || !this.#o.allowed()) return null;
    const uid = this.#o.uid();
    let r;
    try {
      r = await this.#request('POST', `/v1/profiles/${encodeURIComponent(uid)}/settings`, body, uid);
    } catch (err) {
      this.lastError = { status: 0, code: 'network', message: String(err?.message ?? err) };
      return null;
    }
    if (r.status === 410) {
      await this.#erased();
      return null;
    }
    return r.status === 200 ? r.json?.settings ?? null : null;
  }

  /**
   * Pulls the events the server has after `since` (other devices, other tabs).
   * Resolves to { events, watermark } or null when not allowed / failed.
   */
  async pull(since) {
    if (this.#stopped || !this.#o.allowed()) return null;
    const uid = this.#o.uid();
    const events = [];
    let watermark = since;
    for (let page = 0; page < 10; page++) {
      let res;
      try {
        const headers = await this.#authHeaders();
        this.stats.requests++;
        res = await this.#o.fetch(
          `${this.#o.url}/v1/profiles/${encodeURIComponent(uid)}?since=${watermark}&profile=0&limit=${SYNC_LIMITS.pullPage}`,
          { headers, credentials: 'omit', cache: 'no-store' });
      } catch (err) {
        this.lastError = { status: 0, code: 'network', message: String(err?.message ?? err) };
        return null;
      }
      if (res.status === 410) {
        await this.#erased();
        return null;
      }
      if (!res.ok) {
        let json = null;
        try { json = await res.json(); } catch { /* not JSON */ }
        this.lastError = { status: res.status, code: json?.error?.code ?? `http_${res.status}`, message: json?.error?.message ?? '' };
        if (res.status === 401) this.#tokens.delete(uid);
        return null;
      }
      const page_ = await res.json();
      if (!Array.isArray(page_.events) || !Number.isInteger(page_.watermark)) return null;
      events.push(...page_.events);
      watermark = page_.watermark;
      if (!page_.has_more) break;
    }
    this.stats.pulled += events.length;
    return { events, watermark };
  }
}
