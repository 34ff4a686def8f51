// One decision, three places: every golden case runs natively (the `tailor`
// CLI), as wasm under Node, in Chromium and in workerd (edge/worker.mjs); the
// four outputs must be byte-identical and equal to the committed .out.json.
// One browser launch and one workerd process serve all cases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCases, modules } from './cases.mjs';
import { runAll } from './golden.mjs';
import { allRunners } from './runners.mjs';

const cases = loadCases();
const runtimes = Object.keys(allRunners);
const results = await runAll(cases, runtimes);

describe('golden cases exist for every module the harness knows', () => {
  for (const module of Object.keys(modules)) {
    test(module, () => {
      const mine = cases.filter((c) => c.module === module);
      assert.ok(mine.length > 0, `no cases in tests/golden/${module}`);
      for (const c of mine) assert.notEqual(c.expected, null, `${c.id}: .out.json is missing`);
    });
  }
});

for (const module of Object.keys(modules)) {
  describe(`golden ${module}: native = node = chromium = workerd = .out.json`, () => {
    for (const c of cases.filter((x) => x.module === module)) {
      test(c.name, () => {
        for (const name of runtimes) {
          assert.equal(results[name][c.id], c.expected, `${name} differs from ${c.id}.out.json`);
        }
      });
    }
  });
}

test('the harness notices a difference (a changed input gives a different output)', async () => {
  const probe = cases.find((c) => c.id === 'event/view-keys-reordered');
  const changed = { ...probe, id: 'probe', input: probe.input.replace('SKU-1', 'SKU-2') };
  const r = await runAll([changed], ['native', 'node']);
  assert.notEqual(r.native.probe, probe.expected);
  assert.equal(r.native.probe, r.node.probe);
});
