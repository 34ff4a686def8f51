// Differential oracle for the experiment module: seeded random GrowthBook
// contexts, every feature evaluated by @growthbook/growthbook; the answers are
// written as vectors the C++ tests check natively and in wasm.
//   node tests/oracles/experiment-oracle.mjs [seed] [contexts] > tests/vectors/experiment-diff.json
import { createRequire } from 'node:module';
import { GrowthBook } from '@growthbook/growthbook';
import { generateContexts, sdkResults } from './experiment-gen.mjs';

const require = createRequire(import.meta.url);
const sdkVersion = require('@growthbook/growthbook/package.json').version;
const seed = Number(process.argv[2] ?? 20261128);
const count = Number(process.argv[3] ?? 2000);
const cases = generateContexts(seed, count).map((context) => ({ context, results: sdkResults(GrowthBook, context) }));
const evaluations = cases.reduce((n, c) => n + Object.keys(c.results).length, 0);
const inExperiment = cases.reduce((n, c) => n + Object.values(c.results).filter((x) => x.experimentResult?.inExperiment).length, 0);
process.stdout.write(JSON.stringify({
  generator: 'tests/oracles/experiment-oracle.mjs',
  command: `node tests/oracles/experiment-oracle.mjs ${seed} ${count}`,
  oracle: `@growthbook/growthbook ${sdkVersion} GrowthBook#evalFeature`,
  node: process.version, seed, count, evaluations, inExperiment, cases,
}) + '\n');
