// Live differential test: the wasm core against liquidjs (node_modules) over
// the corpus and the generated templates, with the documented departures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TailorCore, Copy } from '../../build/wasm/pkg/index.mjs';
import { corpusCases, renderLiquid, loadData, liquidjsVersion, root } from '../oracles/liquid-oracle.mjs';

const copy = new Copy(await TailorCore.load());
const departures = JSON.parse(readFileSync(join(root, 'tests/vectors/liquid-departures.json'), 'utf8')).cases;
const rawData = (file) => readFileSync(join(root, 'tests/vectors', file), 'utf8');

test(`wasm copy renders like liquidjs ${liquidjsVersion}`, () => {
  assert.equal(liquidjsVersion, '10.30.1');
  const cases = corpusCases();
  assert.ok(cases.length >= 400);
  let compared = 0;
  for (const c of cases) {
    const theirs = renderLiquid(c.template, loadData(c.data_file));
    let ours;
    try {
      const t = copy.compile(c.template);
      const viaText = t.render(rawData(c.data_file));
      // render(plainObject) sends only the data the template reads, straight into wasm
      // memory: the whole result must be what the object's JSON text gives (JSON.parse
      // already made 12.0 the number 12, so that text, not the file's).
      const data = loadData(c.data_file);
      assert.deepEqual(t.render(data), t.render(JSON.stringify(data)), `${c.name}: render(object) differs`);
      ours = { output: viaText.text };
      t.close();
    } catch (e) {
      ours = { error: e.code };
    }
    const dep = departures[c.name];
    if (dep) {
      if (dep.error) assert.equal(ours.error, dep.error, c.name);
      else {
        assert.equal(ours.output, dep.expected, c.name);
        assert.notEqual(theirs.output, dep.expected, `${c.name}: departure no longer differs from liquidjs`);
      }
      continue;
    }
    assert.deepEqual(ours, theirs, `${c.name}\n${c.template}`);
    ++compared;
  }
  assert.ok(compared >= 390);
});
