// The demo's tailor-sync: starts the real server on SQLite, loads the sample
// store into it (catalog, profile config, a bundle built by `tailor build-bundle`),
// creates a browser API key, and answers the storefront's small backend routes
// (a shopper token, erasure) with the admin key, which never reaches the page.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const SYNC_BIN = join(root, 'build/native/tailor-sync');
const PROFILE_CONFIG = join(root, 'examples/storefront/profile-config.json');
export const DEFAULT_ORIGINS = ['http://localhost:8080', 'http://127.0.0.1:8080'];

/** Demo experiments (GrowthBook feature definitions) served by POST /v1/assign. */
export const DEMO_FEATURES = {
  'hero-layout': {
    defaultValue: 'classic',
    rules: [{ key: 'exp-hero-layout', variations: ['classic', 'personal'], weights: [0.5, 0.5],
      meta: [{ key: 'classic' }, { key: 'personal' }], hashAttribute: 'id' }],
  },
  'free-shipping-banner': { defaultValue: false, rules: [{ force: true, coverage: 0.5 }] },
};

/** Bodies the demo backend accepts at most (uid + token). */
const MAX_API_BODY = 4096;
const UID_RE = /^a-[0-9a-f]{16}$/; // the SDK's anonymous ids (newUid)
const USER_RE = /^u-[a-z0-9-]{1,40}$/; // the demo's signed-in shoppers
const SESSION_COOKIE = 'demo_session';

/** The demo's user id for a sign-in name ("Ada Lovelace" -> "u-ada-lovelace"), or null. */
export function demoUserId(name) {
  const slug = String(name ?? '').toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return slug ? `u-${slug}` : null;
}

const sessionOf = (req) => {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === SESSION_COOKIE && USER_RE.test(v ?? '')) return v;
  }
  return null;
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** items.jsonl for `tailor build-bundle` from the store's catalog.jsonl (display fields only). */
export function catalogToItems(catalogText) {
  return catalogText.split('\n').filter((l) => l.trim()).map((l) => {
    const it = JSON.parse(l);
    return JSON.stringify({
      id: it.id, title: it.title ?? '', category: (it.category ?? []).join('>'),
      price_minor: Math.round(Number(it.price) * 100), in_stock: it.stock !== 0,
    });
  }).join('\n') + '\n';
}

/** Builds DIR/bundle.bin from DIR/events.jsonl unless it is newer than the events. */
export function ensureBundle(cli, dir) {
  const bundle = join(dir, 'bundle.bin');
  const events = join(dir, 'events.jsonl');
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(events).mtimeMs) return bundle;
  const items = join(dir, 'items.jsonl');
  writeFileSync(items, catalogToItems(readFileSync(join(dir, 'catalog.jsonl'), 'utf8')));
  console.log(`demo: training the recommendation bundle into ${bundle}`);
  const r = spawnSync(cli, ['build-bundle', '--events', events, '--items', items, '--out', bundle], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`tailor build-bundle failed (exit ${r.status ?? r.signal})`);
  return bundle;
}

async function call(base, method, path, key, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...headers },
    body,
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
  return { status: res.status, json, body: buf };
}

/**
 * Starts tailor-sync (binary `bin`) on SQLite file `db` and loads the store in `dir`: its
 * catalog, the config {profile: profileConfig (default: the storefront's), features (GrowthBook
 * definitions for POST /v1/assign)} and, unless `bundle` is false, DIR/bundle.bin.
 * `origins` are the storefront origins allowed by CORS; `adminKey` and `browserKey` (optional)
 * restart a server on the same database with the same keys. Resolves to
 * { url, port, db, origins, browserKey, adminKey, token(uid), handler(req, res), stop(signal), logs, proc }.
 */
export async function startSync({ bin = SYNC_BIN, db, dir, profileConfig, features = DEMO_FEATURES, bundle = true,
  origins = DEFAULT_ORIGINS, port, host = '127.0.0.1', quiet = false,
  adminKey = randomBytes(24).toString('hex'), browserKey: existingKey }) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`bash scripts/build.sh native\` first`);
  if (adminKey.length < 32) throw new Error('the admin key must be at least 32 bytes');
  if (!db.startsWith('postgres')) mkdirSync(join(db, '..'), { recursive: true });
  port ??= await freePort();
  profileConfig ??= JSON.parse(readFileSync(PROFILE_CONFIG, 'utf8'));
  const config = JSON.stringify({ profile: profileConfig, features });
  const proc = spawn(bin, ['--db', db, '--host', host, '--port', String(port), '--admin-key', adminKey,
    '--cors-origins', origins.join(','), '--access-log', 'off', '--threads', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logs = [];
  let buf = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tailor-sync did not start within 15 s:\n${logs.join('\n')}`)), 15000);
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        if (logs.length > 200) logs.shift();
        if (line.includes('"msg":"listening"')) { clearTimeout(timer); resolve(); }
        else if (!quiet && /"level":"(warn|error)"/.test(line)) console.error(`tailor-sync: ${line}`);
      }
    });
    proc.once('error', (err) => { clearTimeout(timer); reject(err); });
    proc.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`tailor-sync exited (${code ?? signal}): ${logs.slice(-5).join('\n')}`)); });
  });
  const url = `http://${host}:${port}`;
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async (signal = 'SIGTERM') => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    return exited;
  };
  try {
    // The store: catalog and profile config (so the server folds the same profile), then the bundle.
    const upload = async (kind, bytes) => {
      const cur = await call(url, 'GET', `/v1/${kind}`, adminKey);
      if (cur.status === 200 && Buffer.compare(cur.body, bytes) === 0) return;
      const r = await call(url, 'PUT', `/v1/${kind}`, adminKey, bytes);
      if (r.status !== 200 && r.status !== 201) throw new Error(`PUT /v1/${kind}: ${r.status} ${r.body}`);
    };
    await upload('catalog', readFileSync(join(dir, 'catalog.jsonl')));
    await upload('config', Buffer.from(config));
    if (bundle) await upload('bundle', readFileSync(join(dir, 'bundle.bin')));
    let browserKey = existingKey; // a restart keeps the key the pages already hold
    if (!browserKey) {
      const k = await call(url, 'POST', '/v1/keys', adminKey,
        JSON.stringify({ name: `demo-web-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`, scope: 'browser' }));
      if (k.status !== 201) throw new Error(`POST /v1/keys: ${k.status} ${k.body}`);
      browserKey = k.json.key;
    }

    const readBody = (req) => new Promise((resolve, reject) => {
      let size = 0;
      const parts = [];
      req.on('data', (c) => {
        size += c.length;
        if (size > MAX_API_BODY) { reject(Object.assign(new Error('body too large'), { status: 413 })); req.destroy(); return; }
        parts.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      req.on('error', reject);
    });
    const send = (res, status, obj) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(obj));
    };
    const parseBody = async (req) => {
      const text = await readBody(req);
      let j;
      try { j = JSON.parse(text); } catch { throw Object.assign(new Error('body must be JSON'), { status: 400 }); }
      if (!j || typeof j !== 'object') throw Object.assign(new Error('body must be a JSON object'), { status: 400 });
      return j;
    };
    // An anonymous id, or the signed-in user of this browser's demo session.
    const parse = async (req) => {
      const j = await parseBody(req);
      if (typeof j.uid !== 'string' || !(UID_RE.test(j.uid) || (USER_RE.test(j.uid) && sessionOf(req) === j.uid))) {
        throw Object.assign(new Error('uid must be an anonymous id a-<16 hex> or the signed-in user'), { status: 400 });
      }
      return j;
    };
    const issue = async (uid) => {
      const r = await call(url, 'POST', '/v1/tokens', adminKey, JSON.stringify({ uid, ttl_s: 3600 }));
      if (r.status !== 201) throw Object.assign(new Error(`token failed: ${r.status}`), { status: 502 });
      return { token: r.json.token, expires_at: r.json.expires_at };
    };

    // The store's backend, as a real shop would have it: it holds the admin key and issues
    // shopper tokens. (A real shop ties the uid to its session; the demo takes anonymous ids.)
    const handler = async (req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path === '/api/sync-config' && req.method === 'GET') {
        send(res, 200, { enabled: true, url, key: browserKey });
        return true;
      }
      // Sign-in as a real shop does it, minus the password: a session cookie names the user,
      // and the page gets the user's shopper token to call identify() with.
      if (path === '/api/sign-in' || path === '/api/sign-out') {
        if (req.method !== 'POST') { send(res, 405, { error: 'POST only' }); return true; }
        try {
          if (path === '/api/sign-out') {
            res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
            send(res, 200, { signed_out: true });
            return true;
          }
          const uid = demoUserId((await parseBody(req)).name);
          if (!uid) throw Object.assign(new Error('name must contain a letter or digit'), { status: 400 });
          const t = await issue(uid);
          res.setHeader('set-cookie', `${SESSION_COOKIE}=${uid}; Path=/; HttpOnly; SameSite=Lax`);
          send(res, 200, { uid, ...t });
        } catch (err) {
          send(res, err.status ?? 503, { error: err.status ? err.message : `tailor-sync is unreachable: ${err.message}` });
        }
        return true;
      }
      if (path === '/api/token' || path === '/api/forget') {
        if (req.method !== 'POST') { send(res, 405, { error: 'POST only' }); return true; }
        try {
          const j = await parse(req);
          if (path === '/api/token') {
            send(res, 200, await issue(j.uid));
            return true;
          }
          // Erasure: only for the holder of a valid token for that uid.
          if (typeof j.token !== 'string' || j.token.length > 512) throw Object.assign(new Error('token required'), { status: 400 });
          const check = await fetch(`${url}/v1/profiles/${encodeURIComponent(j.uid)}?profile=0&limit=1`,
            { headers: { authorization: `Bearer ${browserKey}`, 'x-tailor-token': j.token } });
          await check.arrayBuffer();
          if (check.status !== 200 && check.status !== 410) { send(res, 403, { error: 'the token does not prove this uid' }); return true; }
          const r = await call(url, 'DELETE', `/v1/profiles/${encodeURIComponent(j.uid)}`, adminKey);
          send(res, r.status === 200 ? 200 : 502, r.json ?? {});
        } catch (err) {
          // No status: tailor-sync did not answer (stopped or restarting).
          send(res, err.status ?? 503, { error: err.status ? err.message : `tailor-sync is unreachable: ${err.message}` });
        }
        return true;
      }
      return false;
    };
    const token = async (uid, ttlS = 3600) => {
      const r = await call(url, 'POST', '/v1/tokens', adminKey, JSON.stringify({ uid, ttl_s: ttlS }));
      if (r.status !== 201) throw new Error(`POST /v1/tokens: ${r.status} ${r.body}`);
      return r.json.token;
    };
    return { url, port, db, origins, adminKey, browserKey, token, handler, stop, logs, proc, exited };
  } catch (err) {
    await stop();
    throw err;
  }
}
