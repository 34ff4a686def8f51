// Differential oracle for the condition module: evaluates seeded random
// conditions with the GrowthBook JS SDK's evalCondition and writes the
// answers as vectors that the C++ tests check natively and in wasm.
//   node tests/oracles/condition-oracle.mjs [seed] [count] > tests/vectors/condition-diff.json
import { createRequire } from 'node:module';
import { evalCondition } from '@growthbook/growthbook';
import { generateCases, sdkAnswer } from './condition-gen.mjs';

const require = createRequire(import.meta.url);
const sdkVersion = require('@growthbook/growthbook/package.json').version;
const seed = Number(process.argv[2] ?? 20261128);
const count = Number(process.argv[3] ?? 5000);

const cases = generateCases(seed, count).map((c) => {
  const canonical = JSON.parse(JSON.stringify(c)); // exactly what the C++ side reads
  return { ...canonical, ...sdkAnswer(evalCondition, canonical) };
});
const out = {
  generator: 'tests/oracles/condition-oracle.mjs',
  command: `node tests/oracles/condition-oracle.mjs ${seed} ${count}`,
  oracle: `@growthbook/growthbook ${sdkVersion} evalCondition`,
  node: process.version,
  seed,
  count,
  trueCount: cases.filter((c) => c.expected).length,
  threwCount: cases.filter((c) => c.threw).length,
  cases,
};
process.stdout.write(JSON.stringify(out) + '\n');
