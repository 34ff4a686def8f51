// Starts tailor-sync for the demo storefront, ready to use: a SQLite file,
// an admin key and a browser key, CORS for the storefront's origin, and the
// sample store's catalog, profile config (plus demo experiments) and,
// when asked, a recommendation bundle uploaded.
//
//   node scripts/sync-demo.mjs            prints one JSON line {url, adminKey, browserKey, ...}
//                                         and runs until Ctrl-C / SIGTERM
// Environment (all optional):
//   TAILOR_DEMO_DB        SQLite file (default build/demo/tailor-sync.db; ":fresh" = a new temp file)
//   TAILOR_DEMO_SYNC_PORT port (default 8787; 0 = any free port)
//   TAILOR_DEMO_ORIGINS   allowed browser origins (default http://localhost:8080,http://127.0.0.1:8080)
//   TAILOR_ADMIN_KEY      admin key, >= 32 bytes (default: a random one, printed)
//   DEMO_STORE            examples/data/<store> to seed from (default generated)
//   TAILOR_DEMO_BUNDLE    1 = build (once, cached as <store>/bundle.bin) and upload a bundle
//
// From Node (examples/demo.mjs): `const sync = await startSyncDemo({ ... })` gives
// { url, adminKey, browserKey, token(uid, ttlS) -> Promise<string>, stop() }.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const SYNC_BIN = join(root, 'build/native/tailor-sync');
const CLI = join(root, 'build/native/tailor');
/** The same sample store examples/demo.mjs generates (seed 2026). */
const GENERATE_ARGS = ['--seed', '2026', '--items', '1500', '--shoppers', '2000', '--days', '30'];
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

async function request(url, method, path, key, body) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(typeof body === 'string' ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`tailor-sync ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function freePort(host) {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function ensureStore(dataDir) {
  if (existsSync(join(dataDir, 'catalog.jsonl'))) return;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`bash scripts/build.sh native\` first`);
  const r = spawnSync(CLI, ['generate', ...GENERATE_ARGS, '--out', dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`tailor generate failed (exit ${r.status ?? r.signal})`);
}

function ensureBundle(dataDir) {
  const out = join(dataDir, 'bundle.bin');
  if (existsSync(out)) return out;
  const r = spawnSync(CLI, ['build-bundle', '--events', join(dataDir, 'events.jsonl'), '--items',
    join(dataDir, 'catalog.jsonl'), '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`tailor build-bundle failed (exit ${r.status ?? r.signal})`);
  return out;
}

/**
 * Starts tailor-sync and seeds it. Options: db (SQLite path), port (0 = free port),
 * host, origins, adminKey, dataDir (catalog.jsonl + events.jsonl; generated when
 * missing), bundle (true: build and upload one), features (GrowthBook features),
 * profileConfig (object; default examples/storefront/profile-config.json), quiet.
 */
export async function startSyncDemo({
  db = join(root, 'build/demo/tailor-sync.db'), port = 8787, host = '127.0.0.1', origins = DEFAULT_ORIGINS,
  adminKey = randomBytes(24).toString('hex'), dataDir = join(root, 'examples/data/generated'), bundle = false,
  features = DEMO_FEATURES, profileConfig, quiet = true,
} = {}) {
  if (!existsSync(SYNC_BIN)) throw new Error(`${SYNC_BIN} is missing: run \`bash scripts/build.sh native\` first`);
  if (adminKey.length < 32) throw new Error('the admin key must be at least 32 bytes');
  if (db === ':fresh') db = join(mkdtempSync(join(tmpdir(), 'tailor-sync-demo-')), 'tailor-sync.db');
  if (!db.startsWith('postgres')) mkdirSync(dirname(resolve(db)), { recursive: true });
  ensureStore(dataDir);
  if (port === 0) port = await freePort(host);
  const proc = spawn(SYNC_BIN, ['--db', db, '--host', host, '--port', String(port), '--admin-key', adminKey,
    '--cors-origins', origins.join(','), '--access-log', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logs = [];
  const ready = new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`tailor-sync did not start:\n${logs.join('\n')}`)), 20000);
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) {
        const line = buf.slice(0, nl);
        logs.push(line);
        if (!quiet) process.stderr.write(`tailor-sync: ${line}\n`);
        if (line.includes('"msg":"listening"')) {
          clearTimeout(timer);
          res();
        }
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`tailor-sync exited (${code ?? signal}):\n${logs.join('\n')}`));
    });
  });
  await ready;
  const exited = new Promise((res) => proc.once('exit', (code, signal) => res({ code, signal })));
  const url = `http://${host}:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    return exited;
  };
  try {
    await request(url, 'PUT', '/v1/catalog', adminKey, readFileSync(join(dataDir, 'catalog.jsonl'), 'utf8'));
    const profile = profileConfig ?? JSON.parse(readFileSync(join(root, 'examples/storefront/profile-config.json'), 'utf8'));
    await request(url, 'PUT', '/v1/config', adminKey, { profile, features });
    if (bundle) await request(url, 'PUT', '/v1/bundle', adminKey, readFileSync(ensureBundle(dataDir)));
    // A new browser key each start (the name is reused: the previous one stops working).
    const { key: browserKey } = await request(url, 'POST', '/v1/keys', adminKey, { name: 'demo-web', scope: 'browser' });
    const token = async (uid, ttlS = 86400) =>
      (await request(url, 'POST', '/v1/tokens', adminKey, { uid, ttl_s: ttlS })).token;
    return { url, db, adminKey, browserKey, origins, token, stop, exited, logs };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const port = Number(env.TAILOR_DEMO_SYNC_PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`sync-demo: TAILOR_DEMO_SYNC_PORT must be an integer 0..65535, got ${env.TAILOR_DEMO_SYNC_PORT}`);
    process.exit(2);
  }
  try {
    const sync = await startSyncDemo({
      db: env.TAILOR_DEMO_DB || undefined,
      port,
      origins: env.TAILOR_DEMO_ORIGINS ? env.TAILOR_DEMO_ORIGINS.split(',') : undefined,
      adminKey: env.TAILOR_ADMIN_KEY || undefined,
      dataDir: join(root, 'examples/data', env.DEMO_STORE || 'generated'),
      bundle: env.TAILOR_DEMO_BUNDLE === '1',
      quiet: false,
    });
    console.log(JSON.stringify({ url: sync.url, db: sync.db, adminKey: sync.adminKey, browserKey: sync.browserKey,
      origins: sync.origins }));
    const stop = async () => { const { code } = await sync.stop(); process.exit(code ?? 1); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    console.error(`sync-demo: ${err.message}`);
    process.exit(1);
  }
}
