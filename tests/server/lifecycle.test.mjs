// Start-up errors, configuration, limits on connections, graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, startServer, runBin, call, view, allEvents, tempDir, freePort } from './harness.mjs';

const dir = tempDir();
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('a bad database URL or an unwritable path is a clear start-up error', async () => {
  const port = String(await freePort());
  const pg = await runBin(['--db', `postgres://nobody@127.0.0.1:${port}/nothing`, '--port', port]);
  assert.equal(pg.code, 3);
  assert.match(pg.stderr, /cannot connect to PostgreSQL: .*127\.0\.0\.1.*/);
  const missing = await runBin(['--db', '/nonexistent-dir/sub/tailor.db', '--port', port]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /directory "\/nonexistent-dir\/sub" does not exist/);
  mkdirSync(join(dir, 'a-directory'));
  const isDir = await runBin(['--db', join(dir, 'a-directory'), '--port', port]);
  assert.equal(isDir.code, 3);
  assert.match(isDir.stderr, /cannot open SQLite database ".*a-directory"/);
  const notDb = join(dir, 'not-a-db.txt');
  (await import('node:fs')).writeFileSync(notDb, 'this is not a database, just text '.repeat(200));
  const garbage = await runBin(['--db', notDb, '--port', port]);
  assert.equal(garbage.code, 3);
  assert.match(garbage.stderr, /not a database/);
  // A directory nobody can create files in (even root: /proc), and malformed URLs.
  const unwritable = await runBin(['--db', '/proc/tailor.db', '--port', port]);
  assert.equal(unwritable.code, 3);
  assert.match(unwritable.stderr, /cannot open SQLite database "\/proc\/tailor\.db": unable to open database file/);
  const badPort = await runBin(['--db', 'postgres://u@127.0.0.1:notaport/db', '--port', port]);
  assert.equal(badPort.code, 3);
  assert.match(badPort.stderr, /cannot connect to PostgreSQL: invalid integer value "notaport"/);
  const badEscape = await runBin(['--db', 'postgresql://%zz@/x', '--port', port]);
  assert.equal(badEscape.code, 3);
  assert.match(badEscape.stderr, /cannot connect to PostgreSQL: invalid percent-encoded token/);
  for (const j of [pg, missing, isDir, garbage, unwritable, badPort, badEscape]) assert.match(j.stderr, /"level":"fatal"/);
  // The URL's password never reaches the log.
  const secret = await runBin(['--db', `postgres://u:hunter2-secret@127.0.0.1:${port}/x`, '--port', port]);
  assert.equal(secret.code, 3);
  assert.doesNotMatch(secret.stderr, /hunter2-secret/);
});

test('bad flags and environment values name the option', async () => {
  const cases = [
    [['--port', 'http'], {}, /port: expected a port 0\.\.65535, got "http"/],
    [['--port', '70000'], {}, /port: expected a port/],
    [['--frobnicate', '1'], {}, /unknown option --frobnicate/],
    [['--token-secret', 'short'], {}, /token-secret: must be at least 32 bytes/],
    [[], { TAILOR_RATE_IP: 'lots' }, /TAILOR_RATE_IP \(rate-ip: expected RATE or RATE:BURST/],
    [['--access-log', 'maybe'], {}, /access-log: expected on or off/],
    [['--sqlite-synchronous', 'off'], {}, /sqlite-synchronous: expected full or normal, got "off"/],
    [[], { TAILOR_SQLITE_SYNCHRONOUS: 'OFF' }, /TAILOR_SQLITE_SYNCHRONOUS \(sqlite-synchronous: expected full or normal/],
  ];
  for (const [args, env, re] of cases) {
    const r = await runBin(args, { env });
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, re);
  }
  const help = await runBin(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--db PATH\|URL/);
});

test('the port already in use is a clear start-up error', async () => {
  const a = await startServer({ db: join(dir, 'port.db') });
  try {
    const b = await runBin(['--db', join(dir, 'port2.db'), '--port', String(a.port)]);
    assert.equal(b.code, 4);
    assert.match(b.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
  } finally {
    await a.stop();
  }
});

test('configuration comes from the environment too', async () => {
  const srv = await startServer({ db: join(dir, 'env.db'), viaEnv: true, env: { TAILOR_CORS_ORIGINS: 'https://a.example,https://b.example' } });
  try {
    const r = await call(srv.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: [view('env-1', 'u-env')], headers: { origin: 'https://b.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://b.example');
  } finally {
    await srv.stop();
  }
});

test('per-IP and per-key rate limits answer 429 with Retry-After', async () => {
  const srv = await startServer({ db: join(dir, 'rate.db'), args: ['--rate-ip', '5:5', '--rate-key', '0'] });
  try {
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await call(srv.url, 'GET', '/v1/bundle', { key: ADMIN_KEY })).status);
    assert.deepEqual(codes, [404, 404, 404, 404, 404, 429, 429]);
    const limited = await call(srv.url, 'GET', '/v1/bundle', { key: ADMIN_KEY });
    assert.equal(limited.json.error.code, 'rate_limited');
    assert.match(limited.headers.get('retry-after'), /^[1-9]\d*$/);
    assert.equal((await call(srv.url, 'GET', '/healthz')).status, 200, 'health checks are not limited');
  } finally {
    await srv.stop();
  }
  const byKey = await startServer({ db: join(dir, 'rate2.db'), args: ['--rate-ip', '0', '--rate-key', '3:3'] });
  try {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await call(byKey.url, 'GET', '/v1/bundle', { key: ADMIN_KEY })).status);
    assert.deepEqual(codes, [404, 404, 404, 429]);
    const text = (await call(byKey.url, 'GET', '/metrics')).body.toString();
    assert.match(text, /tailor_rate_limited_total 1/);
  } finally {
    await byKey.stop();
  }
});

test('a client that never finishes its request is disconnected', async () => {
  const srv = await startServer({ db: join(dir, 'slow.db'), args: ['--request-timeout-ms', '300'] });
  try {
    const closed = await new Promise((resolve) => {
      const sock = connect(srv.port, '127.0.0.1', () => sock.write('POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"partial'));
      let data = '';
      sock.on('data', (d) => { data += d; });
      sock.on('close', () => resolve(data));
      setTimeout(() => { sock.destroy(); resolve('still open'); }, 5000);
    });
    assert.notEqual(closed, 'still open');
    assert.equal((await allEvents(srv.url, 'u-slow')).length, 0);
  } finally {
    await srv.stop();
  }
});

test('oversized headers are refused and nothing is stored', async () => {
  const srv = await startServer({ db: join(dir, 'hdr.db') });
  try {
    const answer = await new Promise((resolve) => {
      const body = JSON.stringify([view('hdr-1', 'u-hdr')]);
      const sock = connect(srv.port, '127.0.0.1', () => sock.write(
        `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nX-Junk: ${'j'.repeat(20000)}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`));
      let data = '';
      sock.on('data', (d) => { data += d; });
      sock.on('close', () => resolve(data));
      sock.on('error', () => resolve(data));
    });
    assert.doesNotMatch(answer, /^HTTP\/1\.1 2/);
    assert.equal((await allEvents(srv.url, 'u-hdr')).length, 0);
  } finally {
    await srv.stop();
  }
});

test('SIGTERM drains in-flight requests: every batch taken is answered, every answer kept', async () => {
  const db = join(dir, 'drain.db');
  const srv = await startServer({ db });
  const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 1000 }, (_, i) => view(`d-${b}-${i}`, `u-drain-${b % 4}`)));
  const sent = batches.map((events) => call(srv.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: events }).catch((e) => ({ error: e })));
  await Promise.race(sent);  // the server is busy: the other batches are in flight or queued
  srv.proc.kill('SIGTERM');
  const results = await Promise.all(sent);
  const { code } = await srv.exited;
  assert.equal(code, 0);
  assert.ok(srv.logs.some((l) => l.includes('"msg":"draining"')));
  assert.ok(srv.logs.some((l) => l.includes('"abandoned_requests":0')));
  for (const r of results) {
    if (!r.error) assert.equal(r.status, 200, String(r.body));
  }
  const answered = new Set();
  results.forEach((r, b) => { if (r.status === 200) for (const e of batches[b]) answered.add(e.id); });
  assert.ok(answered.size >= 1000);
  const again = await startServer({ db });
  try {
    const stored = new Set();
    for (let u = 0; u < 4; u++) for (const e of await allEvents(again.url, `u-drain-${u}`)) stored.add(e.id);
    // Exactly the answered batches are stored: nothing answered was lost, and
    // nothing was committed without its answer reaching the client.
    assert.deepEqual([...stored].sort(), [...answered].sort());
    console.log(`drain: ${answered.size / 1000}/${batches.length} batches answered 200 and stored; ` +
      `${results.filter((r) => r.error).length} refused at the closed listener`);
  } finally {
    await again.stop();
  }
});

test('every path in server/openapi.yaml is served, and every served route is documented', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../server/openapi.yaml', import.meta.url), 'utf8');
  const paths = [...doc.matchAll(/^ {2}(\/[^:\s]*):\s*$/gm)].map((m) => m[1]);
  assert.ok(paths.length >= 15);
  const srv = await startServer({ db: join(dir, 'openapi.db') });
  try {
    for (const p of paths) {
      const concrete = p.replace('{uid}', 'u-doc').replace('{key}', 'exp-doc').replace('{name}', 'nobody');
      const methods = [...doc.slice(doc.indexOf(`  ${p}:`)).split(/\n {2}\//)[0].matchAll(/^ {4}(get|put|post|delete):/gm)].map((m) => m[1].toUpperCase());
      assert.ok(methods.length > 0, p);
      for (const m of methods) {
        const r = await call(srv.url, m, concrete, { key: ADMIN_KEY });
        assert.doesNotMatch(r.json?.error?.message ?? '', /^no such route/, `${m} ${p}`);
        assert.notEqual(r.status, 405, `${m} ${p}`);
      }
    }
    const undocumented = await call(srv.url, 'GET', '/v1/not-in-the-document', { key: ADMIN_KEY });
    assert.match(undocumented.json.error.message, /^no such route/);
  } finally {
    await srv.stop();
  }
});
