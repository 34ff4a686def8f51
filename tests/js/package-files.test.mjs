// The published wasm package (build/wasm/pkg) must carry every module its entry points
// import: `npm pack --dry-run` lists what would ship, and each relative import of a shipped
// module (and of its type declarations) must be in that list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = new URL('../../build/wasm/pkg/', import.meta.url).pathname;

test('npm pack of the wasm package ships every module its files import', () => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' }));
  const shipped = new Set(report.files.map((f) => f.path));
  for (const entry of ['index.mjs', 'index.d.mts', 'tailor_core.mjs', 'tailor_core.wasm', 'package.json']) {
    assert.ok(shipped.has(entry), `${entry} is packed`);
  }
  for (const file of shipped) {
    if (!/\.(mjs|d\.mts)$/.test(file)) continue;
    const text = readFileSync(join(pkg, file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\()\s*['"](\.\/[^'"]+\.m?js)['"]/g)) {
      const target = spec.slice(2).replace(/\.mjs$/, file.endsWith('.d.mts') ? '.d.mts' : '.mjs');
      assert.ok(shipped.has(target) || shipped.has(spec.slice(2)), `${file} imports ${spec}, which is not packed`);
    }
  }
});
