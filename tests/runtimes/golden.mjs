// Runs the golden cases through all four runtimes.
//   node tests/runtimes/golden.mjs            report agreement
//   node tests/runtimes/golden.mjs --update   write .out.json, only where all four agree
import { writeFileSync } from 'node:fs';
import { loadCases } from './cases.mjs';
import { allRunners } from './runners.mjs';

/** Starts every runner (concurrently), runs all cases, closes them. Returns { results, startup }. */
export async function runAll(cases, names = Object.keys(allRunners)) {
  const started = await Promise.allSettled(names.map((n) => allRunners[n]()));
  const runners = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const requests = cases.map(({ id, op, input }) => ({ id, op, input }));
    const outputs = await Promise.all(runners.map((r) => r.run(requests)));
    const results = {};
    runners.forEach((r, i) => { results[r.name] = outputs[i]; });
    return results;
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const update = process.argv.includes('--update');
  const cases = loadCases();
  const results = await runAll(cases);
  let disagreements = 0;
  for (const c of cases) {
    const outs = Object.entries(results).map(([name, out]) => [name, out[c.id]]);
    const agree = outs.every(([, o]) => o === outs[0][1]);
    if (!agree) {
      disagreements++;
      console.log(`DISAGREE ${c.id}`);
      for (const [name, o] of outs) console.log(`  ${name}: ${o}`);
      continue;
    }
    const out = outs[0][1];
    if (update && out !== c.expected) {
      writeFileSync(c.outFile, `${out}\n`);
      console.log(`wrote ${c.id}`);
    } else if (!update && out !== c.expected) {
      console.log(`DIFFERS FROM GOLDEN ${c.id}\n  got:      ${out}\n  expected: ${c.expected}`);
    }
  }
  console.log(`${cases.length} cases, ${disagreements} disagreements across ${Object.keys(results).join(', ')}`);
  process.exitCode = disagreements ? 1 : 0;
}
