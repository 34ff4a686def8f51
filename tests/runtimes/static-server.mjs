// A small static file server for browser tests and the demo: node:http only,
// .wasm served as application/wasm (so compileStreaming works), no directory
// listings, nothing outside the roots.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.d.mts': 'text/plain; charset=utf-8',
};

/**
 * Resolves a URL path against mounts ({'/': dir, '/pkg/': dir2}); the longest
 * matching prefix wins. Returns null for anything that escapes its root.
 */
export function resolvePath(mounts, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  for (const prefix of prefixes) {
    if (!decoded.startsWith(prefix)) continue;
    const root = resolve(mounts[prefix]);
    const rel = normalize(decoded.slice(prefix.length)).replace(/^([/\\])+/, '');
    const full = resolve(join(root, rel));
    if (full !== root && !full.startsWith(root + sep)) return null;
    return full;
  }
  return null;
}

/**
 * Starts the server. `mounts` maps URL prefixes (ending in '/') to folders;
 * `handler(req, res)` may answer first (return true when it did). Port 0 picks a
 * free port. Resolves to { url, port, close() }.
 */
export async function startStaticServer({ mounts, host = '127.0.0.1', port = 0, handler } = {}) {
  const server = createServer(async (req, res) => {
    try {
      if (handler && (await handler(req, res))) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const url = new URL(req.url, 'http://x');
      let file = resolvePath(mounts, url.pathname);
      if (!file) {
        res.writeHead(404).end('not found');
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const name = file.endsWith('.d.mts') ? '.d.mts' : extname(file);
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': contentTypes[name] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err?.message ?? err));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const actual = server.address().port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
