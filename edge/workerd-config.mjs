// Generates a workerd config (Cap'n Proto text) that runs edge/worker.mjs with
// the wasm package embedded: the .mjs files as ES modules and the .wasm as a
// Wasm module, so `import m from './pkg/tailor_core.wasm'` yields a
// WebAssembly.Module (workerd forbids compiling wasm from bytes).
//   node edge/workerd-config.mjs [--pkg build/wasm/pkg] [--address 127.0.0.1:8787]
//     [--features features.json] [--origin 127.0.0.1:8080] [--assign-cookies consent|always|never] > config.capnp
// `features` (GrowthBook definitions, {features, savedGroups}) becomes the FEATURES
// text binding and `origin` (host:port of the shop) the ORIGIN service: with both,
// GET requests for pages are personalized (edge/assign.mjs); `assignCookies` becomes
// the ASSIGN_COOKIES text binding (the edge's cookie policy; consent when absent).
// Paths inside the config are relative to the directory the config is written to (`configDir`).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMPATIBILITY_DATE = '2026-11-01';
const here = dirname(fileURLToPath(import.meta.url));

export function workerdConfig({
  pkgDir = resolve(here, '../build/wasm/pkg'),
  workerPath = resolve(here, 'worker.mjs'),
  address = '127.0.0.1:8787',
  configDir = process.cwd(),
  features = null,
  origin = null,
  assignCookies = null,
} = {}) {
  const rel = (p) => relative(configDir, p).split('\\').join('/');
  const q = (s) => JSON.stringify(s);
  const files = readdirSync(pkgDir).sort();
  if (!files.includes('tailor_core.wasm')) throw new Error(`${pkgDir} has no tailor_core.wasm; build wasm first`);
  const modules = [`(name = "worker.mjs", esModule = embed ${q(rel(workerPath))})`,
    `(name = "assign.mjs", esModule = embed ${q(rel(resolve(here, 'assign.mjs')))})`];
  const bindings = [];
  if (features !== null) bindings.push(`(name = "FEATURES", text = ${q(features)})`);
  if (origin !== null) bindings.push('(name = "ORIGIN", service = "origin")');
  if (assignCookies !== null) bindings.push(`(name = "ASSIGN_COOKIES", text = ${q(assignCookies)})`);
  for (const f of files) {
    if (f.endsWith('.mjs')) modules.push(`(name = ${q(`pkg/${f}`)}, esModule = embed ${q(rel(join(pkgDir, f)))})`);
    else if (f.endsWith('.wasm')) modules.push(`(name = ${q(`pkg/${f}`)}, wasm = embed ${q(rel(join(pkgDir, f)))})`);
  }
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "tailor-edge", worker = .tailorEdge)${origin === null ? ''
    : `,\n    (name = "origin", external = (address = ${q(origin)}, http = ()))`} ],
  sockets = [ (name = "http", address = ${q(address)}, http = (), service = "tailor-edge") ]
);
const tailorEdge :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')}
  ],${bindings.length ? `\n  bindings = [ ${bindings.join(', ')} ],` : ''}
  compatibilityDate = ${q(COMPATIBILITY_DATE)}
);
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  process.stdout.write(workerdConfig({
    pkgDir: arg('pkg') ? resolve(arg('pkg')) : undefined,
    address: arg('address', '127.0.0.1:8787'),
    features: arg('features') ? readFileSync(arg('features'), 'utf8') : null,
    origin: arg('origin', null),
    assignCookies: arg('assign-cookies', null),
  }));
}
