// The API suite, run unchanged against SQLite (sqlite.test.mjs) and
// PostgreSQL (postgres.test.mjs). Every test talks HTTP to the real binary.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startServer, call, view, allEvents, runBin, makeBundle, tempDir } from './harness.mjs';
import { rmSync } from 'node:fs';

// Limits named in server/src/server.hpp and core/include/tailor/common.hpp.
const MAX_EVENTS_BODY_BYTES = 1 << 20;
const MAX_EVENTS_PER_BATCH = 1000;
const MAX_CONFIG_BYTES = 1 << 20;
const MAX_SMALL_BODY_BYTES = 16 << 10;

export function storageSuite(backend, setup) {
  describe(`tailor-sync on ${backend}`, () => {
    let srv;
    let db;
    let teardown = () => {};
    let base;
    let browserKey;
    const token = async (uid, ttl) => {
      const r = await call(base, 'POST', '/v1/tokens', { key: ADMIN_KEY, body: ttl ? { uid, ttl_s: ttl } : { uid } });
      assert.equal(r.status, 201, String(r.body));
      return r.json.token;
    };
    const post = (events, opts = {}) => call(base, 'POST', '/v1/events', { key: ADMIN_KEY, body: events, ...opts });
    const stats = async () => {
      const r = await call(base, 'GET', '/metrics');
      const m = /tailor_events_total\{outcome="accepted"\} (\d+)/.exec(r.body.toString());
      return Number(m[1]);
    };

    before(async () => {
      ({ db, teardown } = await setup());
      srv = await startServer({ db, args: ['--cors-origins', 'https://shop.example'] });
      base = srv.url;
      const r = await call(base, 'POST', '/v1/keys', { key: ADMIN_KEY, body: { name: 'web', scope: 'browser' } });
      assert.equal(r.status, 201);
      browserKey = r.json.key;
      assert.match(browserKey, /^tsb_[A-Za-z0-9_-]{43}$/);
    });
    after(async () => {
      if (srv) {
        const { code } = await srv.stop();
        assert.equal(code, 0, 'graceful shutdown exits 0');
      }
      await teardown();
    });

    test('healthz names the storage and schema version; hello answers', async () => {
      const h = await call(base, 'GET', '/healthz');
      assert.equal(h.status, 200);
      assert.deepEqual(h.json, { status: 'ok', storage: backend, schema_version: backend === 'sqlite' ? 4 : 2 });
      const hello = await call(base, 'GET', '/hello');
      assert.equal(hello.body.toString(), 'hello\n');
    });

    test('a batch keeps valid events and reports each invalid one', async () => {
      const batch = [view('b1-a', 'u-batch'), { id: 'b1-b', type: 'view', ts: 1, uid: 'u-batch' },
        view('b1-c', 'u-batch'), { id: 'b1-d', type: 'teleport', ts: 1, uid: 'u-batch' }, 'not an event'];
      const r = await post(batch);
      assert.equal(r.status, 200);
      assert.equal(r.json.accepted, 2);
      assert.equal(r.json.duplicates, 0);
      assert.deepEqual(r.json.rejected.map((e) => [e.index, e.code, e.where]), [
        [1, 'missing_field', '[1].item_id'], [3, 'unknown_event_type', '[3].type'], [4, 'invalid_field', '[4]']]);
      const events = await allEvents(base, 'u-batch');
      assert.deepEqual(events.map((e) => e.id), ['b1-a', 'b1-c']);
      assert.deepEqual(events[0], { id: 'b1-a', type: 'view', ts: 1700000000000, uid: 'u-batch', item_id: 'sku-1' });
    });

    test('ingest is idempotent by event id', async () => {
      const batch = [view('i-1', 'u-idem'), view('i-2', 'u-idem'), view('i-1', 'u-idem')];
      const first = await post(batch);
      assert.deepEqual([first.json.accepted, first.json.duplicates], [2, 1]);
      const again = await post(batch);
      assert.deepEqual([again.json.accepted, again.json.duplicates], [0, 3]);
      const events = await allEvents(base, 'u-idem');
      assert.deepEqual(events.map((e) => e.id).sort(), ['i-1', 'i-2']);
      // Same id under another uid is another shopper's event.
      const other = await post([view('i-1', 'u-idem-2')]);
      assert.equal(other.json.accepted, 1);
    });

    test('the watermark returns only what changed, page by page', async () => {
      await post([view('w-1', 'u-wm'), view('w-2', 'u-wm'), view('w-3', 'u-wm')]);
      const p1 = await call(base, 'GET', '/v1/profiles/u-wm?limit=2', { key: ADMIN_KEY });
      assert.equal(p1.status, 200);
      assert.deepEqual(p1.json.events.map((e) => e.id), ['w-1', 'w-2']);
      assert.equal(p1.json.has_more, true);
      const p2 = await call(base, 'GET', `/v1/profiles/u-wm?since=${p1.json.watermark}`, { key: ADMIN_KEY });
      assert.deepEqual(p2.json.events.map((e) => e.id), ['w-3']);
      assert.equal(p2.json.has_more, false);
      const wm = p2.json.watermark;
      assert.equal(wm, p2.json.last_seq);
      const none = await call(base, 'GET', `/v1/profiles/u-wm?since=${wm}`, { key: ADMIN_KEY });
      assert.deepEqual([none.json.events.length, none.json.watermark], [0, wm]);
      await post([view('w-4', 'u-wm'), view('w-2', 'u-wm')]);
      const p3 = await call(base, 'GET', `/v1/profiles/u-wm?since=${wm}`, { key: ADMIN_KEY });
      assert.deepEqual(p3.json.events.map((e) => e.id), ['w-4']);
      for (const q of ['since=-1', 'since=abc', 'limit=0', 'limit=5001', 'since=99999999999999999999']) {
        const bad = await call(base, 'GET', `/v1/profiles/u-wm?${q}`, { key: ADMIN_KEY });
        assert.equal(bad.status, 400, q);
        assert.equal(bad.json.error.code, 'invalid_field');
      }
      const fresh = await call(base, 'GET', '/v1/profiles/nobody-yet', { key: ADMIN_KEY });
      assert.deepEqual([fresh.status, fresh.json.events, fresh.json.watermark], [200, [], 0]);
    });

    test(`a batch of ${MAX_EVENTS_PER_BATCH} events passes; one more is refused whole`, async () => {
      const make = (n, tag) => Array.from({ length: n }, (_, i) => view(`${tag}-${i}`, `u-${tag}`));
      const ok = await post(make(MAX_EVENTS_PER_BATCH, 'lim'));
      assert.equal(ok.status, 200);
      assert.equal(ok.json.accepted, MAX_EVENTS_PER_BATCH);
      const over = await post(make(MAX_EVENTS_PER_BATCH + 1, 'over'));
      assert.equal(over.status, 413);
      assert.equal(over.json.error.code, 'limit_exceeded');
      assert.equal((await allEvents(base, 'u-over')).length, 0);
    });

    test(`a body of ${MAX_EVENTS_BODY_BYTES} bytes passes; one byte more is 413`, async () => {
      const json = JSON.stringify([view('size-1', 'u-size')]);
      const exact = json + ' '.repeat(MAX_EVENTS_BODY_BYTES - json.length);
      assert.equal(Buffer.byteLength(exact), MAX_EVENTS_BODY_BYTES);
      const ok = await post(exact);
      assert.equal(ok.status, 200);
      assert.equal(ok.json.accepted, 1);
      const tooBig = JSON.stringify([view('size-2', 'u-size')]);
      const over = await post(tooBig + ' '.repeat(MAX_EVENTS_BODY_BYTES + 1 - tooBig.length));
      assert.equal(over.status, 413);
      assert.equal(over.json.error.code, 'payload_too_large');
      assert.deepEqual((await allEvents(base, 'u-size')).map((e) => e.id), ['size-1']);
    });

    test('malformed and hostile bodies get a 4xx JSON error and store nothing', async () => {
      const before = await stats();
      const cases = [
        ['{"id":', 400, 'invalid_json'],
        ['', 400, 'invalid_json'],
        ['42', 400, 'invalid_field'],
        ['[]', 400, 'empty_batch'],
        ['['.repeat(100000) + ']'.repeat(100000), 413, 'limit_exceeded'],
        [JSON.stringify([{ id: 'x', type: 'view', ts: 1, uid: 'u'.repeat(129), item_id: 'a' }]), 422, 'no_valid_events'],
        [JSON.stringify([{ id: 'x', type: 'view', ts: 1, uid: 'u-h', item_id: 'a', extra: 1 }]), 422, 'no_valid_events'],
        [JSON.stringify([{ id: 'x', type: 'view', ts: -5, uid: 'u-h', item_id: 'a' }]), 422, 'no_valid_events'],
        [Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), 400, 'invalid_json'],
        [JSON.stringify([view('nul-1', 'u-h\u0000x'), view('nul\u0001', 'u-h')]), 422, 'no_valid_events'],
      ];
      for (const [body, status, code] of cases) {
        const r = await post(body);
        assert.equal(r.status, status, `${String(body).slice(0, 40)} -> ${r.body}`);
        assert.equal(r.json.error.code, code);
        assert.equal(typeof r.json.error.message, 'string');
      }
      assert.equal(await stats(), before, 'no event was accepted');
      assert.equal((await allEvents(base, 'u-h')).length, 0);
      // A hostile event in a batch does not fail its neighbours or other requests.
      const mixed = await Promise.all([
        post([view('ok-a', 'u-mixed'), view('bad', 'u-mixed\u0000')]),
        post([view('ok-b', 'u-mixed')]),
      ]);
      assert.deepEqual(mixed.map((r) => [r.status, r.json.accepted]), [[200, 1], [200, 1]]);
      assert.deepEqual(mixed[0].json.rejected.map((e) => [e.index, e.code, e.where]), [[1, 'invalid_field', '[1].uid']]);
      assert.equal((await call(base, 'GET', '/v1/profiles/a%00b', { key: ADMIN_KEY })).status, 400);
    });

    test('hostile paths and methods are refused with JSON errors', async () => {
      const cases = [
        ['GET', '/v1/profiles/%ZZ', 400], ['GET', `/v1/profiles/${'a'.repeat(129)}`, 400],
        ['GET', '/v1/profiles/%FF%FE', 400], ['GET', '/v1/nothing', 404], ['GET', '/../../etc/passwd', 404],
        ['PATCH', '/v1/events', 405], ['GET', '/v1/events', 405], ['POST', '/v1/bundle', 405],
      ];
      for (const [method, path, status] of cases) {
        const r = await call(base, method, path, { key: ADMIN_KEY });
        assert.equal(r.status, status, `${method} ${path}`);
        assert.equal(typeof r.json.error.code, 'string');
      }
      const big = await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: JSON.stringify({ uid: 'a'.repeat(MAX_SMALL_BODY_BYTES) }) });
      assert.equal(big.status, 413);
      const cfg = await call(base, 'PUT', '/v1/config', { key: ADMIN_KEY, body: `{"a":"${'x'.repeat(MAX_CONFIG_BYTES)}"}` });
      assert.equal(cfg.status, 413);
    });

    test('a browser key needs a token and writes only its own uid', async () => {
      const t = await token('shopper-a');
      const noToken = await post([view('ba-1', 'shopper-a')], { key: browserKey });
      assert.equal(noToken.status, 401);
      assert.equal(noToken.json.error.code, 'token_required');
      const r = await post([view('ba-1', 'shopper-a'), view('ba-2', 'shopper-b')], { key: browserKey, token: t });
      assert.equal(r.status, 200);
      assert.equal(r.json.accepted, 1);
      assert.deepEqual(r.json.rejected.map((e) => [e.index, e.code]), [[1, 'forbidden']]);
      assert.equal((await allEvents(base, 'shopper-b')).length, 0);
      // sendBeacon cannot set headers: key and token may come in the query string.
      const beacon = await call(base, 'POST', `/v1/events?key=${browserKey}&token=${encodeURIComponent(t)}`,
        { body: JSON.stringify([view('ba-3', 'shopper-a')]), headers: { 'content-type': 'text/plain' } });
      assert.equal(beacon.status, 200);
      assert.equal(beacon.json.accepted, 1);
    });

    test("a browser key cannot read or delete another shopper's profile", async () => {
      await post([view('priv-1', 'victim'), view('own-1', 'attacker')]);
      const t = await token('attacker');
      const own = await call(base, 'GET', '/v1/profiles/attacker', { key: browserKey, token: t });
      assert.equal(own.status, 200);
      assert.deepEqual(own.json.events.map((e) => e.id), ['own-1']);
      const other = await call(base, 'GET', '/v1/profiles/victim', { key: browserKey, token: t });
      assert.equal(other.status, 403);
      assert.equal(other.json.error.code, 'forbidden');
      assert.equal(other.body.includes('priv-1'), false);
      const noTok = await call(base, 'GET', '/v1/profiles/victim', { key: browserKey });
      assert.equal(noTok.status, 403);
      const del = await call(base, 'DELETE', '/v1/profiles/victim', { key: browserKey, token: await token('victim') });
      assert.equal(del.status, 403);
      const delOwn = await call(base, 'DELETE', '/v1/profiles/attacker', { key: browserKey, token: t });
      assert.equal(delOwn.status, 403);
      assert.equal((await allEvents(base, 'victim')).length, 1);
      // Forged, tampered and expired tokens are refused.
      const [v, exp, uidPart, mac] = t.split('.');
      const forged = [v, exp, Buffer.from('victim').toString('base64url'), mac].join('.');
      const expired = await token('victim', 1);
      const tampered = t.slice(0, -2) + (t.endsWith('AA') ? 'BA' : 'AA');
      for (const bad of [forged, tampered, 'v1.x.y.z', `v1.${exp}.${uidPart}`]) {
        const r = await call(base, 'GET', '/v1/profiles/victim', { key: browserKey, token: bad });
        assert.equal(r.status, 401, bad);
        assert.equal(r.json.error.code, 'invalid_token');
      }
      await new Promise((res) => setTimeout(res, 2100));
      const late = await call(base, 'GET', '/v1/profiles/victim', { key: browserKey, token: expired });
      assert.equal(late.status, 401);
    });

    test('admin routes reject browser keys and missing or unknown keys', async () => {
      const t = await token('someone');
      const routes = [
        ['PUT', '/v1/bundle', 'BUNDLE'], ['PUT', '/v1/config', '{}'], ['GET', '/v1/bundle/versions'],
        ['POST', '/v1/bundle/rollback', '{"version":1}'], ['GET', '/v1/config/versions'],
        ['POST', '/v1/config/rollback', '{"version":1}'],
        ['GET', '/v1/experiments/exp-1/results'], ['POST', '/v1/keys', '{"name":"x","scope":"admin"}'],
        ['DELETE', '/v1/keys/web'], ['POST', '/v1/tokens', '{"uid":"someone"}'], ['DELETE', '/v1/profiles/someone'],
        ['GET', '/v1/bundle?version=1'],
      ];
      for (const [method, path, body] of routes) {
        const asBrowser = await call(base, method, path, { key: browserKey, token: t, body });
        assert.equal(asBrowser.status, 403, `${method} ${path}`);
        assert.equal(asBrowser.json.error.code, 'forbidden');
        const anonymous = await call(base, method, path, { body });
        assert.equal(anonymous.status, 401, `${method} ${path}`);
        const unknown = await call(base, method, path, { key: 'tsa_not-a-real-key', body });
        assert.equal(unknown.status, 401);
      }
      const versions = await call(base, 'GET', '/v1/bundle/versions', { key: ADMIN_KEY });
      assert.equal(versions.json.versions.every((v) => v.size !== 6), true, 'no browser upload stored');
    });

    test('a revoked key stops working', async () => {
      const made = await call(base, 'POST', '/v1/keys', { key: ADMIN_KEY, body: { name: 'temp', scope: 'admin' } });
      const k = made.json.key;
      assert.equal((await call(base, 'GET', '/v1/bundle/versions', { key: k })).status, 200);
      assert.equal((await call(base, 'DELETE', '/v1/keys/temp', { key: ADMIN_KEY })).status, 200);
      assert.equal((await call(base, 'GET', '/v1/bundle/versions', { key: k })).status, 401);
      assert.equal((await call(base, 'DELETE', '/v1/keys/temp-nope', { key: ADMIN_KEY })).status, 404);
    });

    test('identify merges an anonymous id without double counting', async () => {
      await post([view('m-1', 'anon-1'), view('m-2', 'anon-1'), view('shared', 'anon-1')]);
      await post([view('m-3', 'user-1'), view('shared', 'user-1')]);
      const r = await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: 'user-1', previous_uid: 'anon-1' } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { uid: 'user-1', moved: 2, duplicates: 1, already_merged: false });
      const merged = await allEvents(base, 'user-1');
      assert.deepEqual(merged.map((e) => e.id).sort(), ['m-1', 'm-2', 'm-3', 'shared']);
      const viaAnon = await call(base, 'GET', '/v1/profiles/anon-1', { key: ADMIN_KEY });
      assert.equal(viaAnon.json.canonical_uid, 'user-1');
      assert.equal(viaAnon.json.events.length, 4);
      // The anonymous device re-uploads its queue: nothing is counted twice.
      const again = await post([view('m-1', 'anon-1'), view('m-4', 'anon-1')]);
      assert.deepEqual([again.json.accepted, again.json.duplicates], [1, 1]);
      assert.equal((await allEvents(base, 'user-1')).length, 5);
      const twice = await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: 'user-1', previous_uid: 'anon-1' } });
      assert.deepEqual([twice.json.already_merged, twice.json.moved], [true, 0]);
      const same = await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: 'x', previous_uid: 'x' } });
      assert.equal(same.status, 400);
    });

    test('a browser identifies only with tokens for both ids', async () => {
      await post([view('bi-1', 'anon-b')]);
      const tUser = await token('user-b');
      const tAnon = await token('anon-b');
      const tOther = await token('anon-other');
      const noProof = await call(base, 'POST', '/v1/identify', { key: browserKey, token: tUser, body: { uid: 'user-b', previous_uid: 'anon-b' } });
      assert.equal(noProof.status, 403);
      const wrongProof = await call(base, 'POST', '/v1/identify', { key: browserKey, token: tUser, body: { uid: 'user-b', previous_uid: 'anon-b', previous_token: tOther } });
      assert.equal(wrongProof.status, 403);
      const wrongUser = await call(base, 'POST', '/v1/identify', { key: browserKey, token: tAnon, body: { uid: 'user-b', previous_uid: 'anon-b', previous_token: tAnon } });
      assert.equal(wrongUser.status, 403);
      assert.equal((await allEvents(base, 'user-b')).length, 0);
      const ok = await call(base, 'POST', '/v1/identify', { key: browserKey, token: tUser, body: { uid: 'user-b', previous_uid: 'anon-b', previous_token: tAnon } });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.moved, 1);
    });

    test('erasure deletes events and profile and refuses re-uploads', async () => {
      await post([view('gdpr-1', 'anon-g'), view('gdpr-2', 'user-g')]);
      await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: 'user-g', previous_uid: 'anon-g' } });
      const del = await call(base, 'DELETE', '/v1/profiles/user-g', { key: ADMIN_KEY });
      assert.equal(del.status, 200);
      assert.deepEqual(del.json, { erased: true, events_deleted: 2, aliases_erased: 1 });
      for (const uid of ['user-g', 'anon-g']) {
        const r = await call(base, 'GET', `/v1/profiles/${uid}`, { key: ADMIN_KEY });
        assert.equal(r.status, 410, uid);
        assert.equal(r.json.error.code, 'erased');
      }
      const before = await stats();
      const re = await post([view('gdpr-1', 'anon-g'), view('gdpr-3', 'user-g'), view('ok-1', 'u-not-erased')]);
      assert.equal(re.status, 200);
      assert.equal(re.json.accepted, 1);
      assert.deepEqual(re.json.rejected.map((e) => [e.index, e.code]), [[0, 'erased'], [1, 'erased']]);
      assert.equal(await stats(), before + 1);
      const merge = await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: 'user-new', previous_uid: 'anon-g' } });
      assert.equal(merge.status, 410);
      const again = await call(base, 'DELETE', '/v1/profiles/user-g', { key: ADMIN_KEY });
      assert.deepEqual([again.status, again.json.events_deleted], [200, 0]);
    });

    test('bundle and config: ETag, 304, versions and rollback', async () => {
      const work = tempDir();
      const v1 = makeBundle(work, 30);
      const v2 = makeBundle(work, 40);
      rmSync(work, { recursive: true, force: true });
      // The core's loader refuses a corrupt bundle; nothing is stored.
      const flipped = Buffer.from(v1);
      flipped[flipped.length - 1] ^= 0xff;
      for (const bad of [Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]), v1.subarray(0, v1.length - 1), flipped]) {
        const r = await call(base, 'PUT', '/v1/bundle', { key: ADMIN_KEY, body: bad });
        assert.equal(r.status, 400, String(r.body));
        assert.equal(typeof r.json.error.code, 'string');
      }
      assert.deepEqual((await call(base, 'GET', '/v1/bundle/versions', { key: ADMIN_KEY })).json.versions, []);
      const put1 = await call(base, 'PUT', '/v1/bundle', { key: ADMIN_KEY, body: v1 });
      assert.equal(put1.status, 201);
      assert.equal(put1.json.version, 1);
      const get1 = await call(base, 'GET', '/v1/bundle', { key: browserKey });
      assert.equal(get1.status, 200);
      assert.deepEqual(get1.body, v1);
      const etag = get1.headers.get('etag');
      assert.match(etag, /^"[0-9a-f]{32}"$/);
      const cached = await call(base, 'GET', '/v1/bundle', { key: browserKey, headers: { 'if-none-match': etag } });
      assert.equal(cached.status, 304);
      assert.equal(cached.body.length, 0);
      const put2 = await call(base, 'PUT', '/v1/bundle', { key: ADMIN_KEY, body: v2 });
      assert.equal(put2.json.version, 2);
      const changed = await call(base, 'GET', '/v1/bundle', { key: browserKey, headers: { 'if-none-match': etag } });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.body, v2);
      assert.notEqual(changed.headers.get('etag'), etag);
      const list = await call(base, 'GET', '/v1/bundle/versions', { key: ADMIN_KEY });
      assert.deepEqual(list.json.versions.map((v) => [v.version, v.current]), [[2, true], [1, false]]);
      const rb = await call(base, 'POST', '/v1/bundle/rollback', { key: ADMIN_KEY, body: { version: 1 } });
      assert.equal(rb.status, 200);
      const back = await call(base, 'GET', '/v1/bundle', { key: browserKey, headers: { 'if-none-match': etag } });
      assert.equal(back.status, 304);
      const old = await call(base, 'GET', '/v1/bundle?version=2', { key: ADMIN_KEY });
      assert.deepEqual(old.body, v2);
      assert.equal((await call(base, 'POST', '/v1/bundle/rollback', { key: ADMIN_KEY, body: { version: 9 } })).status, 404);
      // Config must be a JSON object; a bad upload changes nothing.
      assert.equal((await call(base, 'GET', '/v1/config', { key: browserKey })).status, 404);
      const bad = await call(base, 'PUT', '/v1/config', { key: ADMIN_KEY, body: '{"experiments": [' });
      assert.equal(bad.status, 400);
      assert.equal((await call(base, 'PUT', '/v1/config', { key: ADMIN_KEY, body: '[1]' })).status, 400);
      const good = await call(base, 'PUT', '/v1/config', { key: ADMIN_KEY, body: '{"experiments":[]}' });
      assert.deepEqual([good.status, good.json.version], [201, 1]);
      const cfg = await call(base, 'GET', '/v1/config', { key: browserKey });
      assert.deepEqual(cfg.json, { experiments: [] });
    });

    test('experiment results aggregate exposures and conversions per variation', async () => {
      const ex = (id, uid, variation, ts) => ({ id, type: 'exposure', ts, uid, experiment: 'exp-checkout', variation });
      const buy = (id, uid, ts) => ({ id, type: 'purchase', ts, uid, currency: 'EUR', items: [{ item_id: 'a', price: 10, quantity: 1 }] });
      await post([ex('x1', 'r-1', '0', 100), ex('x2', 'r-2', '0', 100), ex('x3', 'r-3', '1', 100),
        ex('x4', 'r-1', '0', 200), buy('p1', 'r-1', 150), buy('p2', 'r-1', 160), buy('p3', 'r-2', 50),
        buy('p4', 'r-3', 300)]);
      const r = await call(base, 'GET', '/v1/experiments/exp-checkout/results', { key: ADMIN_KEY });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.variations, [
        { variation: '0', exposed: 2, converted: 1, purchases: 2, revenue: 20 },
        { variation: '1', exposed: 1, converted: 1, purchases: 1, revenue: 10 },
      ]);
      assert.equal(r.json.currency, 'EUR');
      assert.deepEqual(r.json.analysis.arms.map((a) => a.conversion_rate), [0.5, 1]);
    });

    test('a withdrawn personalization consent empties the profile read, as the core rules', async () => {
      const consent = (id, ts, personalization) => ({ id, type: 'consent', ts, uid: 'u-consent', analytics: true, personalization, marketing: false });
      await post([consent('cs-1', 1700000000000, true), view('cs-v1', 'u-consent', 1700000001000),
        { id: 'cs-c1', type: 'add_to_cart', ts: 1700000002000, uid: 'u-consent', item_id: 'sku-1', quantity: 1 }]);
      const t = await token('u-consent');
      const read = async () => {
        const r = await call(base, 'GET', '/v1/profiles/u-consent?now=1700000100000', { key: browserKey, token: t });
        assert.equal(r.status, 200, String(r.body));
        return r.json.profile;
      };
      const on = await read();
      assert.equal(on.personalized, true);
      assert.deepEqual(on.cart, [{ item_id: 'sku-1', quantity: 1 }]);
      // Withdrawn (browser-sent, with the shopper's token): only the non-personal skeleton remains.
      const w = await post([consent('cs-2', 1700000003000, false)], { key: browserKey, token: t });
      assert.equal(w.json.accepted, 1);
      const off = await read();
      assert.deepEqual(Object.keys(off).sort(), ['consent', 'events', 'identities', 'now', 'personalized', 'reason', 'suppressed', 'version']);
      assert.deepEqual([off.personalized, off.reason, off.consent.personalization, off.consent.event_id], [false, 'no_consent', false, 'cs-2']);
      for (const k of ['affinities', 'segments', 'intent', 'rfm', 'lifecycle', 'cart', 'recent_items', 'experiments', 'sessions']) {
        assert.equal(k in off, false, k);
      }
      // Granted again later: personalization is back from the stored events, nothing re-tracked.
      await post([consent('cs-3', 1700000004000, true)], { key: browserKey, token: t });
      const back = await read();
      assert.equal(back.personalized, true);
      assert.deepEqual(back.cart, on.cart);
    });

    test('profile settings: deleted tags and the personalization switch are kept and honoured', async () => {
      const t = await token('u-set');
      const set = (body, opts = { key: browserKey, token: t }, uid = 'u-set') =>
        call(base, 'POST', `/v1/profiles/${uid}/settings`, { ...opts, body });
      await post([view('set-1', 'u-set', 1700000000000)]);
      const a = await set({ suppressed: [{ kind: 'tag', key: 'vegan' }] });
      assert.equal(a.status, 200, String(a.body));
      const b = await set({ suppressed: [{ kind: 'brand', key: 'Leaf' }], personalization: { enabled: false, ts: 1700000000500 } });
      assert.deepEqual(b.json.settings, { version: 1, events: [], suppressed: [{ kind: 'brand', key: 'Leaf' }, { kind: 'tag', key: 'vegan' }],
        personalization: { enabled: false, ts: 1700000000500 } });
      // An older "on" loses to the newer "off" (last writer wins), and suppressions are never dropped.
      const c = await set({ personalization: { enabled: true, ts: 1700000000100 } });
      assert.equal(c.json.settings.personalization.enabled, false);
      const p = await call(base, 'GET', '/v1/profiles/u-set?now=1700000100000', { key: browserKey, token: t });
      assert.deepEqual([p.json.profile.personalized, p.json.profile.reason], [false, 'opted_out']);
      assert.deepEqual(p.json.profile.suppressed, [{ kind: 'brand', key: 'Leaf' }, { kind: 'tag', key: 'vegan' }]);
      assert.deepEqual(p.json.settings, b.json.settings);
      // Hostile or foreign requests change nothing.
      const other = await set({ suppressed: [{ kind: 'tag', key: 'x' }] }, { key: browserKey, token: t }, 'victim-set');
      assert.equal(other.status, 403);
      const badKind = await set({ suppressed: [{ kind: 'colour', key: 'red' }] });
      assert.equal(badKind.status, 400);
      assert.match(badKind.json.error.where, /suppressed/);
      assert.equal((await set({ extra: 1 })).status, 400);
      assert.equal((await set({ personalization: { enabled: 'no', ts: 1 } })).status, 400);
      assert.equal((await call(base, 'GET', '/v1/profiles/u-set/settings', { key: ADMIN_KEY })).status, 405);
      // identify carries the anonymous id's settings over; erasure removes them.
      await set({ suppressed: [{ kind: 'category', key: 'Home' }] }, { key: ADMIN_KEY }, 'anon-set');
      await post([view('set-2', 'anon-set')]);
      const idr = await call(base, 'POST', '/v1/identify', { key: ADMIN_KEY, body: { uid: 'u-set', previous_uid: 'anon-set' } });
      assert.equal(idr.status, 200);
      const merged = await call(base, 'GET', '/v1/profiles/u-set?now=1700000100000', { key: ADMIN_KEY });
      assert.deepEqual(merged.json.settings.suppressed.map((x) => x.key), ['Leaf', 'Home', 'vegan']);
      assert.equal((await call(base, 'DELETE', '/v1/profiles/u-set', { key: ADMIN_KEY })).status, 200);
      assert.equal((await set({ suppressed: [] }, { key: ADMIN_KEY })).status, 410);
    });

    test('CORS answers configured origins only', async () => {
      const pre = await call(base, 'OPTIONS', '/v1/events', { headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.match(pre.headers.get('access-control-allow-headers'), /X-Tailor-Token/);
      const evil = await call(base, 'OPTIONS', '/v1/events', { headers: { origin: 'https://evil.example' } });
      assert.equal(evil.status, 403);
      const get = await call(base, 'GET', '/healthz', { headers: { origin: 'https://evil.example' } });
      assert.equal(get.headers.get('access-control-allow-origin'), null);
      const ok = await call(base, 'GET', '/healthz', { headers: { origin: 'https://shop.example' } });
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://shop.example');
    });

    test('metrics are Prometheus text with rates, latencies, events and storage', async () => {
      const r = await call(base, 'GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
      const text = r.body.toString();
      for (const line of text.trim().split('\n')) {
        assert.match(line, /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.]+(e[+-]?[0-9]+)?)$/, line);
      }
      assert.match(text, /tailor_http_requests_total\{route="events",status="2xx"\} [1-9]/);
      assert.match(text, /tailor_http_requests_total\{route="events",status="4xx"\} [1-9]/);
      assert.match(text, /tailor_http_request_duration_seconds_bucket\{route="events",le="\+Inf"\} [1-9]/);
      assert.match(text, /tailor_events_total\{outcome="duplicate"\} [1-9]/);
      // Every commit falls in one bucket: the +Inf bucket and _count equal tailor_commits_total.
      const commits = text.match(/^tailor_commits_total ([0-9]+)$/m)[1];
      assert.ok(Number(commits) > 0);
      assert.match(text, new RegExp(`^tailor_commit_duration_seconds_bucket\\{le="\\+Inf"\\} ${commits}$`, 'm'));
      assert.match(text, new RegExp(`^tailor_commit_duration_seconds_count ${commits}$`, 'm'));
      // Each committed batch waited once for its commit: at least one batch a commit.
      const waits = Number(text.match(/^tailor_ingest_queue_wait_seconds_count ([0-9]+)$/m)[1]);
      assert.ok(waits >= Number(commits), `${waits} queue waits for ${commits} commits`);
      assert.match(text, /^tailor_checkpoint_duration_seconds_count [0-9]+$/m);
      assert.match(text, new RegExp(`tailor_storage_info\\{backend="${backend}"\\} 1`));
      assert.match(text, /tailor_storage_bytes [1-9]/);
    });

    test('keys are stored hashed, never in clear', async () => {
      if (backend !== 'sqlite') {
        const out = await runBin(['keys', 'create', '--db', db, '--name', 'cli-key', '--scope', 'browser']);
        assert.equal(out.code, 0, out.stderr);
        return;
      }
      const { readFileSync, existsSync } = await import('node:fs');
      const out = await runBin(['keys', 'create', '--db', db, '--name', 'cli-key', '--scope', 'browser']);
      assert.equal(out.code, 0, out.stderr);
      const key = out.stdout.trim();
      const r = await call(base, 'GET', '/v1/bundle', { key });
      assert.equal(r.status, 200);
      const files = [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f));
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(key).digest('hex');
      assert.equal(files.some((b) => b.includes(key)), false, 'the clear key is not in the database');
      assert.equal(files.some((b) => b.includes(hash)), true, 'its SHA-256 is');
      assert.equal(files.some((b) => b.includes(ADMIN_KEY)), false);
    });
  });
}
