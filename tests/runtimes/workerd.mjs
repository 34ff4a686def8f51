// Starts edge/worker.mjs under workerd (npm `workerd`) on a free port, with a
// generated config embedding build/wasm/pkg. One process serves all cases;
// stop() kills it by its pid.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerdConfig } from '../../edge/workerd-config.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const workerdBin = join(root, 'node_modules/.bin/workerd');

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves to { url, pid, startupMs, stop() } once GET /healthz answers.
 * `startupMs` runs from spawn to the first successful answer (the first
 * request also instantiates the wasm module). `makeConfig` (default: the edge
 * worker's, edge/workerd-config.mjs) lets a bench run its own worker.
 */
export async function startWorkerd({ pkgDir = join(root, 'build/wasm/pkg'), timeoutMs = 15000, makeConfig = workerdConfig } = {}) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tailor-workerd-'));
    const config = join(dir, 'config.capnp');
    writeFileSync(config, makeConfig({ pkgDir, address: `127.0.0.1:${port}`, configDir: dir }));
    const t0 = performance.now();
    const child = spawn(workerdBin, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    let exited = null;
    child.on('exit', (code, signal) => { exited = { code, signal }; });
    const stop = async () => {
      if (exited === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await done;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && exited === null) {
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) {
          await res.arrayBuffer();
          return { url, pid: child.pid, startupMs: performance.now() - t0, stop, log: () => log };
        }
      } catch (err) {
        lastError = err;
      }
      await sleep(20);
    }
    await stop();
    lastError = new Error(`workerd did not start (${exited ? `exit ${exited.code}` : 'timeout'}): ${log.slice(0, 2000)}`);
  }
  throw lastError;
}
