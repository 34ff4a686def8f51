// `tailor render` and `tailor check` (native CLI) against goldens in tests/golden/copy/cli/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const golden = (f) => join(root, 'tests/golden/copy/cli', f);
const tailor = (...args) => spawnSync(join(root, 'build/native/tailor'), args, { encoding: 'utf8' });

test('tailor render: zh-CN money, dates and loops', () => {
  const r = tailor('render', golden('welcome-zh.liquid'), '--data', golden('welcome-zh.in.json'),
    '--locale', 'zh-CN', '--currency', 'CNY', '--tz', '480');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(golden('welcome-zh.out.txt'), 'utf8'));
});

test('tailor check: compliance failure is reported and exits 1', () => {
  const r = tailor('check', golden('sms-risky.liquid'), '--data', golden('sms-risky.in.json'), '--platform', 'sms', '--format', 'json');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, readFileSync(golden('sms-risky.out.json'), 'utf8'));
  const out = JSON.parse(r.stdout);
  assert.equal(out.pass, false);
  assert.equal(out.hits[0].term, '史上最低');
});

test('tailor check: clean copy passes; errors name file and line:col', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-copy-'));
  writeFileSync(join(dir, 'ok.liquid'), 'Hi {{ name }}, your Kenya AA is back. Shop now at maple.example/k');
  writeFileSync(join(dir, 'data.json'), '{"name":"Ana"}');
  const ok = tailor('check', join(dir, 'ok.liquid'), '--data', join(dir, 'data.json'), '--platform', 'sms');
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /PASS/);
  writeFileSync(join(dir, 'bad.liquid'), 'one\n{% for x in %}');
  const bad = tailor('render', join(dir, 'bad.liquid'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.liquid:2:\d+: invalid_field: /);
  const brand = join(dir, 'brand.json');
  writeFileSync(brand, '[{"term":"Kenya","severity":"high","suggestion":"say the estate"}]');
  const hit = tailor('check', join(dir, 'ok.liquid'), '--data', join(dir, 'data.json'), '--platform', 'sms', '--lexicon', brand);
  assert.equal(hit.status, 1);
  assert.match(hit.stdout, /hit: +"Kenya" high/);
  assert.equal(tailor('check', join(dir, 'ok.liquid')).status, 2);
  assert.equal(tailor('check', join(dir, 'ok.liquid'), '--platform', 'myspace').status, 1);
});
