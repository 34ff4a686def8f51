// Starts the real tailor-sync binary and, when asked, a throwaway PostgreSQL
// cluster (initdb + pg_ctl in a temp dir). Everything started is stopped.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chownSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = new URL('../../build/native/tailor-sync', import.meta.url).pathname;
export const CLI = new URL('../../build/native/tailor', import.meta.url).pathname;
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';
const PG_BIN = '/usr/lib/postgresql/15/bin';

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

export function tempDir(prefix = 'tailor-sync-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

// Spawns tailor-sync and resolves once it logs "listening".
// With viaEnv, db, port and the admin key are passed as TAILOR_* variables.
export async function startServer({ db, args = [], env = {}, port, viaEnv = false } = {}) {
  port ??= await freePort();
  const base = viaEnv ? [] : ['--db', db, '--port', String(port), '--admin-key', ADMIN_KEY];
  if (viaEnv) Object.assign(env, { TAILOR_DB: db, TAILOR_PORT: String(port), TAILOR_ADMIN_KEY: ADMIN_KEY });
  const proc = spawn(BIN, [...base, '--access-log', 'off', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  let buf = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tailor-sync did not start:\n${logs.join('\n')}`)), 15000);
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        if (line.includes('"msg":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tailor-sync exited (${code ?? signal}):\n${logs.join('\n')}${buf}`));
    });
  });
  proc.stdout.resume();
  await ready;
  const exited = new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

// Runs tailor-sync to completion (subcommands, start-up failures).
export function runBin(args, { env = {}, timeout = 15000 } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeout);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function asPostgres(cmd, args) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
    : execFileSync(cmd, args, { stdio: 'pipe' });
}

export function postgresAvailable() {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

// A private PostgreSQL cluster on a free loopback port; stop() removes it.
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-pg-'));
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const port = await freePort();
  const data = join(dir, 'data');
  asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'tailor', '--no-sync',
    '-E', 'UTF8', '--locale=C']);
  asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o',
    `-k ${dir} -p ${port} -h 127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  let databases = 0;
  return {
    port,
    // A fresh database in the cluster for one suite.
    createDatabase() {
      const name = `tailor_${++databases}`;
      asPostgres(join(PG_BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'tailor',
        '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`]);
      return `postgres://tailor@127.0.0.1:${port}/${name}`;
    },
    stop() {
      try {
        asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// fetch with a key (and optional shopper token); returns { status, headers, body, json }.
export async function call(base, method, path, { key, token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (token) h['x-tailor-token'] = token;
  const res = await fetch(base + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, body: buf, json };
}

export function view(id, uid, ts = 1700000000000, item = 'sku-1') {
  return { id, type: 'view', ts, uid, item_id: item };
}

// Every stored event of uid, following the watermark page by page.
export async function allEvents(base, uid, key = ADMIN_KEY) {
  const out = [];
  let since = 0;
  for (;;) {
    const r = await call(base, 'GET', `/v1/profiles/${encodeURIComponent(uid)}?since=${since}&limit=5000`, { key });
    if (r.status !== 200) throw new Error(`profile ${uid}: ${r.status} ${r.body}`);
    out.push(...r.json.events);
    since = r.json.watermark;
    if (!r.json.has_more) return out;
  }
}

// A real bundle made by `tailor build-bundle` from n view events.
export function makeBundle(dir, n) {
  const events = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `b${i}`, type: 'view', ts: 1700000000000 + i, uid: `u${i % 5}`, item_id: `i${i % 7}` }));
  const evPath = join(dir, `bundle-${n}.jsonl`);
  const out = join(dir, `bundle-${n}.bin`);
  writeFileSync(evPath, events.join('\n') + '\n');
  execFileSync(CLI, ['build-bundle', '--events', evPath, '--out', out], { stdio: 'pipe' });
  return readFileSync(out);
}
