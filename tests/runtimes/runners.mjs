// The four runtimes of the golden suite. Each runner takes every case at once
// and returns { [case id]: output text }, the core's bytes unchanged.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { runCases } from './ops.mjs';
import { startStaticServer } from './static-server.mjs';
import { startWorkerd } from './workerd.mjs';

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const nativeCli = join(root, 'build/native/tailor');
export const pkgIndex = join(root, 'build/wasm/pkg/index.mjs');

/** wasm under Node: the package imported the way a Node user would. */
export async function nodeRunner() {
  const pkg = await import(pkgIndex);
  const core = await pkg.TailorCore.load();
  return { name: 'node', run: (cases) => runCases(pkg, core, cases), close: async () => {} };
}

/** Chromium: one launch and one page load; all cases in one evaluate call. */
export async function chromiumRunner() {
  const server = await startStaticServer({ mounts: { '/': root } });
  let browser;
  try {
    browser = await launchChromium();
    await browser.page.goto(`${server.url}/tests/runtimes/page.html`);
    await browser.page.waitForFunction(() => document.title !== 'loading', null, { timeout: 20000 });
    const title = await browser.page.title();
    if (title !== 'ready') {
      throw new Error(`page did not load the core: ${await browser.page.evaluate(() => window.loadError)}`);
    }
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
  return {
    name: 'chromium',
    run: async (cases) => {
      const out = await browser.page.evaluate((cs) => window.runCases(cs), cases);
      if (browser.errors.length) throw new Error(`chromium reported errors: ${browser.errors.join('; ')}`);
      return out;
    },
    close: async () => { await browser.close(); await server.close(); },
  };
}

/** How each op travels over HTTP to edge/worker.mjs. */
const workerRequests = {
  'event.decode': (input) => ({ path: '/v1/events/decode', body: input }),
  // Strings stay strings inside the body, so the worker hands the core the same bytes.
  profile: (input) => ({ path: '/v1/profile', body: JSON.stringify(input) }),
  // render / preview: strings inside the body; check: the request text is the body.
  copy: (input) => ({ path: `/v1/copy/${input.kind}`, body: input.kind === 'check' ? input.request : JSON.stringify(input) }),
  recommend: (input) => ({ path: '/v1/recommend', body: JSON.stringify({ bundle_base64: input.bundle, request: input.request }) }),
};

/** workerd: one process running the real edge worker; one request per case. */
export async function workerdRunner() {
  const w = await startWorkerd();
  return {
    name: 'workerd',
    startupMs: w.startupMs,
    run: async (cases) => {
      const out = {};
      await Promise.all(cases.map(async (c) => {
        const req = workerRequests[c.op];
        if (!req) { out[c.id] = `!unsupported op ${c.op}`; return; }
        const { path, body } = req(c.input);
        const res = await fetch(w.url + path, {
          method: 'POST', body, headers: { 'content-type': 'application/json' },
        });
        out[c.id] = await res.text();
      }));
      return out;
    },
    close: () => w.stop(),
  };
}

function execCli(args) {
  return new Promise((ok) => {
    execFile(nativeCli, args, { maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      ok({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

/** How each op maps onto the `tailor` CLI; files are written to a temp dir. */
const cliInvocations = {
  'event.decode': (input, dir) => {
    const file = join(dir, 'event.json');
    writeFileSync(file, input);
    return ['decode-event', file];
  },
  profile: (input, dir) => {
    const file = (name, text) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    const args = ['profile', '--catalog', file(`catalog.${input.catalog_format}`, input.catalog),
      '--catalog-format', input.catalog_format, '--events', file('events.jsonl', input.events),
      '--config', file('config.json', input.config), '--now', String(input.now), '--strict'];
    if (input.state !== null) args.push('--state', file('state.json', input.state));
    return args;
  },
  copy: (input, dir) => {
    const file = (name, text) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    if (input.kind === 'check') return ['check', '--request', file('request.json', input.request), '--format', 'envelope'];
    const args = input.kind === 'render' ? ['render'] : ['check'];
    args.push(file('template.liquid', input.template), '--data', file('data.json', input.data),
      '--options', file('options.json', input.options), '--format', 'envelope');
    if (input.kind === 'preview') args.push('--platform', input.platform);
    return args;
  },
  recommend: (input, dir) => {
    writeFileSync(join(dir, 'bundle.bin'), Buffer.from(input.bundle, 'base64'));
    writeFileSync(join(dir, 'request.json'), input.request);
    return ['recommend', '--bundle', join(dir, 'bundle.bin'), '--request', join(dir, 'request.json')];
  },
};

/** The native CLI (build/native/tailor): one process per case, a few at a time. */
export async function nativeRunner() {
  const base = mkdtempSync(join(tmpdir(), 'tailor-native-'));
  return {
    name: 'native',
    run: async (cases) => {
      const out = {};
      const queue = [...cases];
      const worker = async (slot) => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const make = cliInvocations[c.op];
          if (!make) { out[c.id] = `!unsupported op ${c.op}`; continue; }
          const dir = join(base, String(slot));
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir);
          const r = await execCli(make(c.input, dir));
          // The CLI prints one trailing newline after the core's output.
          out[c.id] = r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : `!exit ${r.code}: ${r.stderr}`;
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
      return out;
    },
    close: async () => rmSync(base, { recursive: true, force: true }),
  };
}

export const allRunners = { native: nativeRunner, node: nodeRunner, chromium: chromiumRunner, workerd: workerdRunner };
