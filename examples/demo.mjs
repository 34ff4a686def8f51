// `npm run demo`: makes the sample store if it is missing, then serves the
// storefront (examples/storefront/) with the wasm package on localhost.
//   PORT=8080 (default)  HOST=127.0.0.1 (default)
//   DEMO_STORE=generated (default: tailor generate) | online-retail (UCI data set)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from '../tests/runtimes/static-server.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'build/native/tailor');
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

/** Serves the storefront; resolves to { url, close() }. */
export async function startDemo({ port = 8080, host = '127.0.0.1', store = 'generated' } = {}) {
  const data = ensureStore(store);
  const pkg = join(root, 'build/wasm/pkg');
  if (!existsSync(join(pkg, 'tailor_core.wasm'))) {
    throw new Error(`${pkg} has no tailor_core.wasm: run \`bash scripts/build.sh wasm\` first`);
  }
  return startStaticServer({
    host,
    port,
    mounts: { '/': join(root, 'examples/storefront'), '/pkg/': pkg, '/data/': data },
  });
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo: PORT must be an integer 0..65535, got ${process.env.PORT}`);
    process.exit(2);
  }
  try {
    const server = await startDemo({ port, host: process.env.HOST ?? '127.0.0.1', store: process.env.DEMO_STORE });
    console.log(`demo: the Tailor storefront is at ${server.url.replace('127.0.0.1', 'localhost')}/  (Ctrl-C stops it)`);
    const stop = async () => { await server.close(); process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    console.error(`demo: ${err.message}`);
    process.exit(1);
  }
}
