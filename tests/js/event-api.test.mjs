// The JS API of the event codec, against the wasm build (build/wasm/pkg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TailorCore, TailorError } from '../../build/wasm/pkg/index.mjs';

const core = await TailorCore.load();

test('decodeEvent returns the canonical event', () => {
  const ev = core.decodeEvent({ type: 'view', id: 'e1', ts: 5, uid: 'u', item_id: 'A' });
  assert.deepEqual(ev, { id: 'e1', item_id: 'A', ts: 5, type: 'view', uid: 'u' });
});

test('errors are TailorError with code and where', () => {
  assert.throws(() => core.decodeEvent({ type: 'view', id: 'e1', ts: 5, uid: 'u' }), (e) =>
    e instanceof TailorError && e instanceof Error && e.code === 'missing_field' && e.where === 'item_id');
  assert.throws(() => core.decodeEvent('{"type":'), (e) => e.code === 'invalid_json');
});

test('index.d.mts lists exactly the error codes of the core', () => {
  const dts = readFileSync(new URL('../../wasm/index.d.mts', import.meta.url), 'utf8');
  const block = dts.slice(dts.indexOf('export type ErrorCode'), dts.indexOf(';', dts.indexOf('export type ErrorCode')));
  const declared = [...block.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  const codes = core.errorCodes();
  assert.deepEqual(declared, codes.map((c) => c.code));
  codes.forEach((c, i) => assert.equal(c.errno, i));
});

test('hostile input never aborts the module', () => {
  const inputs = ['', '[', '{"type":"view"}', '9'.repeat(100000), '['.repeat(10000), '\u0000',
    JSON.stringify({ type: 'search', id: 'x', ts: 1, uid: 'u', query: 'q'.repeat(1 << 20) })];
  for (const input of inputs) assert.throws(() => core.decodeEvent(input), TailorError);
  assert.equal(core.decodeEvent({ type: 'search', id: 'x', ts: 1, uid: 'u', query: 'ok' }).query, 'ok');
});
