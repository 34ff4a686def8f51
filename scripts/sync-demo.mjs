// Starts tailor-sync alone, seeded as `npm run demo` seeds it (examples/sync.mjs):
// SQLite, an admin key and a browser key, CORS for the storefront, the sample
// store's catalog, profile config, demo experiments and, when asked, its bundle.
//
//   node scripts/sync-demo.mjs     prints one JSON line {url, db, adminKey, browserKey, origins}
//                                  and runs until Ctrl-C / SIGTERM
// Environment (all optional):
//   TAILOR_DEMO_DB        SQLite file (default build/demo/tailor-sync.db)
//   TAILOR_DEMO_SYNC_PORT port (default 8787; 0 = any free port)
//   TAILOR_DEMO_ORIGINS   allowed browser origins (default http://localhost:8080,http://127.0.0.1:8080)
//   TAILOR_ADMIN_KEY      admin key, >= 32 bytes (default: a random one, printed)
//   DEMO_STORE            examples/data/<store> to seed from (default generated)
//   TAILOR_DEMO_BUNDLE    1 = build (once) and upload the store's recommendation bundle
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureStore } from '../examples/demo.mjs';
import { ensureBundle, startSync } from '../examples/sync.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const env = process.env;
const port = Number(env.TAILOR_DEMO_SYNC_PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`sync-demo: TAILOR_DEMO_SYNC_PORT must be an integer 0..65535, got ${env.TAILOR_DEMO_SYNC_PORT}`);
  process.exit(2);
}
try {
  const dir = ensureStore(env.DEMO_STORE || 'generated');
  const bundle = env.TAILOR_DEMO_BUNDLE === '1';
  if (bundle) ensureBundle(join(root, 'build/native/tailor'), dir);
  const sync = await startSync({
    db: env.TAILOR_DEMO_DB || join(root, 'build/demo/tailor-sync.db'),
    dir,
    bundle,
    port: port === 0 ? undefined : port,
    origins: env.TAILOR_DEMO_ORIGINS ? env.TAILOR_DEMO_ORIGINS.split(',') : undefined,
    adminKey: env.TAILOR_ADMIN_KEY || undefined,
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
