// Differential test: the wasm core against the live GrowthBook SDK on a fresh
// seeded batch of random conditions (TAILOR_SEED overrides the seed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalCondition as sdkEvalCondition } from '@growthbook/growthbook';
import { TailorCore, TailorError, evalCondition, checkCondition } from '../../build/wasm/pkg/index.mjs';
import { generateCases, sdkAnswer } from '../oracles/condition-gen.mjs';

const core = await TailorCore.load();
const seed = Number(process.env.TAILOR_SEED ?? 977);
const count = 3000;

test(`wasm evalCondition agrees with @growthbook/growthbook (seed ${seed}, ${count} cases)`, () => {
  const cases = generateCases(seed, count).map((c) => JSON.parse(JSON.stringify(c)));
  const mismatches = [];
  let trues = 0;
  for (const c of cases) {
    const { expected } = sdkAnswer(sdkEvalCondition, c);
    if (expected) trues++;
    const got = evalCondition(core, c.condition, c.attributes, c.savedGroups);
    if (got !== expected) mismatches.push({ ...c, expected, got });
  }
  assert.deepEqual(mismatches.slice(0, 5), [], `seed ${seed}: ${mismatches.length} mismatches`);
  assert.ok(trues > count / 10 && trues < count * 0.9, `both answers are exercised (${trues} true)`);
});

test('GrowthBook cases.json evalCondition cases pass through the JS API', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = JSON.parse(await readFile(new URL('../vectors/growthbook/cases.json', import.meta.url), 'utf8'));
  for (const [name, cond, attrs, expected, groups] of doc.evalCondition) {
    assert.equal(evalCondition(core, cond, attrs, groups), expected, name);
  }
});

test('bad conditions are TailorErrors with a code and a place', () => {
  assert.throws(() => evalCondition(core, '{"a":', {}), (e) => e instanceof TailorError && e.code === 'invalid_condition');
  assert.throws(() => checkCondition(core, [1]), (e) => e.code === 'invalid_condition');
  assert.throws(() => checkCondition(core, { s: { $regex: 'a'.repeat(257) } }),
    (e) => e.code === 'limit_exceeded' && e.where === 's.$regex');
  assert.throws(() => evalCondition(core, {}, '[]'), (e) => e instanceof TailorError);
  checkCondition(core, { s: { $regex: 'a'.repeat(256) } });
});

test('hostile regexes and giant attributes answer without hanging', () => {
  const s = 'a'.repeat(4095) + '!';
  assert.equal(evalCondition(core, { s: { $regex: '(a+)+$' } }, { s }), false);
  assert.equal(evalCondition(core, { s: { $regex: '^(a|aa)+!$' } }, { s }), true);
  const xs = Array.from({ length: 100000 }, (_, i) => i);
  assert.equal(evalCondition(core, { xs: { $in: xs.map((i) => -i - 1) } }, { xs }), false);
  assert.equal(evalCondition(core, { xs: { $in: [-1, 99999] } }, { xs }), true);
});
