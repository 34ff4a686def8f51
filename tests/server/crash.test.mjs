// Crash safety: batches are sent while tailor-sync is killed with SIGKILL.
// After each restart every acknowledged event must be there exactly once;
// clients then retry what was never acknowledged, as the SDK's queue does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, startServer, startPostgres, call, view, allEvents, tempDir } from './harness.mjs';

const ROUNDS = 3;
const SENDERS = 16;
const BATCH = 20;
const UIDS = 8;
const KILL_AFTER_MS = 600;

async function stored() {
  const ids = [];
  for (let u = 0; u < UIDS; u++) ids.push(...(await allEvents(this.url, `crash-${u}`)).map((e) => e.id));
  return ids;
}

async function crashRounds(db, label, extra = []) {
  const acked = new Set();
  const unacked = [];
  let totals = { acked: 0, sent: 0, committedUnacked: 0, retried: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const srv = await startServer({ db, args: ['--rate-ip', '0', ...extra] });
    let stop = false;
    const senders = Array.from({ length: SENDERS }, async (_, s) => {
      for (let n = 0; !stop; n++) {
        const events = Array.from({ length: BATCH }, (_, i) => view(`c${round}-${s}-${n}-${i}`, `crash-${(s + i) % UIDS}`));
        totals.sent += BATCH;
        try {
          const r = await call(srv.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: events });
          if (r.status !== 200) throw new Error(`status ${r.status}`);
          assert.equal(r.json.accepted + r.json.duplicates, BATCH);
          for (const e of events) acked.add(e.id);
          totals.acked += BATCH;
        } catch {
          unacked.push(events);
          return;  // connection died with the server
        }
      }
    });
    await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
    srv.proc.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);
    const { signal } = await srv.exited;
    assert.equal(signal, 'SIGKILL');

    const again = await startServer({ db, args: ['--rate-ip', '0', ...extra] });
    try {
      const ids = await stored.call(again);
      const set = new Set(ids);
      assert.equal(ids.length, set.size, `${label}: no event is stored twice`);
      for (const id of acked) assert.ok(set.has(id), `${label}: acknowledged ${id} survived`);
      totals.committedUnacked += ids.length - [...set].filter((id) => acked.has(id)).length;
      // Retry what was never acknowledged: accepted or duplicate, never twice.
      for (const events of unacked.splice(0)) {
        const r = await call(again.url, 'POST', '/v1/events', { key: ADMIN_KEY, body: events });
        assert.equal(r.status, 200);
        assert.equal(r.json.accepted + r.json.duplicates, BATCH);
        for (const e of events) acked.add(e.id);
        totals.retried += BATCH;
      }
      const after = await stored.call(again);
      assert.equal(after.length, new Set(after).size);
      assert.equal(after.length, acked.size, `${label}: stored = acknowledged + retried`);
    } finally {
      await again.stop();
    }
  }
  console.log(`${label}: ${ROUNDS} SIGKILLs; ${totals.acked} events acknowledged before the kills, ` +
    `all present; ${totals.committedUnacked} committed but unacknowledged at the kill; ` +
    `${totals.retried} retried; ${acked.size} stored in the end; 0 duplicates`);
  assert.ok(totals.acked > 0);
}

test('SQLite: SIGKILL loses no acknowledged event and duplicates none', async () => {
  const dir = tempDir();
  try {
    await crashRounds(join(dir, 'crash.db'), 'sqlite');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// synchronous=NORMAL fsyncs at checkpoints only: a process crash still loses nothing acknowledged.
test('SQLite with --sqlite-synchronous normal: SIGKILL loses no acknowledged event', async () => {
  const dir = tempDir();
  try {
    await crashRounds(join(dir, 'crash-normal.db'), 'sqlite (synchronous=normal)', ['--sqlite-synchronous', 'normal']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: SIGKILL loses no acknowledged event and duplicates none', async () => {
  const pg = await startPostgres();
  try {
    await crashRounds(pg.createDatabase(), 'postgres');
  } finally {
    pg.stop();
  }
});
