// `npm run demo`: makes the sample store if it is missing, trains its bundle,
// starts tailor-sync on SQLite with it, then serves the storefront
// (examples/storefront/) with the wasm package and the SDK (web/sdk/) on localhost.
//   PORT=8080 (default)  HOST=127.0.0.1 (default)
//   DEMO_STORE=generated (default: tailor generate) | online-retail (UCI data set)
//   DEMO_SYNC=on (default) | off (storefront only)   SYNC_PORT=8787 (default)
//   DEMO_DB=build/demo/tailor-sync.db (default)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from '../tests/runtimes/static-server.mjs';
import { ensureBundle, startSync, SYNC_BIN } from './sync.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'build/native/tailor');
const syncBin = SYNC_BIN;
export const ONLINE_RETAIL = process.env.TAILOR_ONLINE_RETAIL ??
  resolve(root, '../shared/data/online-retail/online_retail.csv.gz');

/** The generated store: 1,500 items, 2,000 shoppers, seed 2026 (same bytes on every machine). */
export const GENERATE_ARGS = ['--seed', '2026', '--items', '1500', '--shoppers', '2000', '--days', '30'];

function run(args) {
  const r = spawnSync(cli, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`tailor ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Makes examples/data/<store>/ unless its catalog exists; returns the folder. */
export function ensureStore(store = 'generated') {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`bash scripts/build.sh native\` first`);
  const dir = join(root, 'examples/data', store);
  if (existsSync(join(dir, 'catalog.jsonl'))) return dir;
  if (store === 'generated') {
    console.log(`demo: generating the sample store into ${dir}`);
    run(['generate', ...GENERATE_ARGS, '--out', dir]);
  } else if (store === 'online-retail') {
    if (!existsSync(ONLINE_RETAIL)) throw new Error(`${ONLINE_RETAIL} not found (set TAILOR_ONLINE_RETAIL)`);
    console.log(`demo: importing ${ONLINE_RETAIL} into ${dir}`);
    run(['import-online-retail', '--in', ONLINE_RETAIL, '--out', dir]);
  } else {
    throw new Error(`DEMO_STORE must be generated or online-retail, got ${store}`);
  }
  return dir;
}

/**
 * Serves the storefront and, unless `sync` is false or tailor-sync is not built, a
 * tailor-sync on SQLite loaded with the store. Resolves to { url, sync, syncError, close() }:
 * `sync` is the running server ({url, adminKey, browserKey, stop}) or null, and
 * `syncError` says why it is not running.
 */
export async function startDemo({ port = 8080, host = '127.0.0.1', store = 'generated', sync = true,
  syncPort, db = join(root, 'build/demo/tailor-sync.db') } = {}) {
  const data = ensureStore(store);
  const pkg = join(root, 'build/wasm/pkg');
  if (!existsSync(join(pkg, 'tailor_core.wasm'))) {
    throw new Error(`${pkg} has no tailor_core.wasm: run \`bash scripts/build.sh wasm\` first`);
  }
  ensureBundle(cli, data);
  let server = null;
  let syncError = '';
  if (!sync) syncError = 'turned off (DEMO_SYNC=off)';
  else if (!existsSync(syncBin)) syncError = `${syncBin} is not built (its Debian packages are missing?)`;
  const api = async (req, res) => {
    if (server) return server.handler(req, res);
    const path = new URL(req.url, 'http://x').pathname;
    if (!path.startsWith('/api/')) return false;
    res.writeHead(path === '/api/sync-config' ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ enabled: false, reason: syncError }));
    return true;
  };
  const web = await startStaticServer({
    host,
    port,
    mounts: { '/': join(root, 'examples/storefront'), '/pkg/': pkg, '/sdk/': join(root, 'web/sdk'), '/data/': data },
    handler: api,
  });
  const syncOptions = {
    bin: syncBin, db, dir: data, port: syncPort, host,
    origins: [`http://${host}:${web.port}`, `http://localhost:${web.port}`],
  };
  if (!syncError) {
    try {
      server = await startSync(syncOptions);
    } catch (err) {
      syncError = `tailor-sync could not start: ${err.message}`;
    }
  }
  return {
    ...web,
    get sync() { return server; },
    syncError,
    /** Stops tailor-sync (SIGTERM) but keeps serving the storefront: "the server is down". */
    stopSync: () => server?.stop(),
    /** Starts tailor-sync again on the same port, database and keys. */
    async restartSync() {
      const { port: p, adminKey, browserKey } = server;
      await server.stop();
      server = await startSync({ ...syncOptions, port: p, adminKey, browserKey });
      return server;
    },
    close: async () => {
      await web.close();
      await server?.stop();
    },
  };
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo: PORT must be an integer 0..65535, got ${process.env.PORT}`);
    process.exit(2);
  }
  try {
    const syncPort = process.env.SYNC_PORT === undefined ? 8787 : Number(process.env.SYNC_PORT);
    const server = await startDemo({
      port, host: process.env.HOST ?? '127.0.0.1', store: process.env.DEMO_STORE,
      sync: process.env.DEMO_SYNC !== 'off', syncPort, db: process.env.DEMO_DB ? resolve(process.env.DEMO_DB) : undefined,
    });
    if (server.sync) {
      console.log(`demo: tailor-sync (SQLite ${process.env.DEMO_DB ?? 'build/demo/tailor-sync.db'}) is at ${server.sync.url}; ` +
        'the page syncs its profile there only after the visitor consents');
    } else {
      console.log(`demo: STOREFRONT ONLY: ${server.syncError}. Profiles stay in the browser; recommendations come from examples/data/*/bundle.bin`);
    }
    console.log(`demo: the Tailor storefront is at ${server.url.replace('127.0.0.1', 'localhost')}/  (Ctrl-C stops it)`);
    const stop = async () => { await server.close(); process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    console.error(`demo: ${err.message}`);
    process.exit(1);
  }
}
