// Profile fold throughput: the native CLI (`tailor bench-fold`) against the
// wasm build under Node, on the same synthetic input (written by the native
// run), after checking that both produce byte-identical profile JSON.
//   scripts/build.sh native && scripts/build.sh wasm && node bench/profile-fold.mjs [--reps 7] [--iters 100]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tailor, TailorCore } from '../build/wasm/pkg/index.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const reps = arg('reps', 7);
const iters = arg('iters', 100);
const cli = fileURLToPath(new URL('../build/native/tailor', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-'));

try {
  const nativeOut = execFileSync(cli, ['bench-fold', '--reps', String(reps), '--iters', String(iters), '--write', dir], { encoding: 'utf8' });
  const native = JSON.parse(nativeOut);
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  const now = Number(read('now.txt'));
  const core = await TailorCore.load();
  const t = await Tailor.load({ catalog: read('catalog.csv'), catalogFormat: 'csv', config: read('config.json'), state: read('state.json'), wasm: core });
  const expected = read('expected.json');
  if (t.profileText({ now }) !== expected) throw new Error('wasm profile differs from native: refusing to time it');
  const events = t.profile({ now }).events.total;
  for (let i = 0; i < 10; i++) t.profileText({ now }); // warm-up
  const wall = [], cpu = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) {
      if (t.profileText({ now }).length !== expected.length) throw new Error('output changed');
    }
    wall.push(Number(process.hrtime.bigint() - w0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  t.close();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const perRep = events * iters;
  const wasm = {
    target: `wasm (node ${process.version}, core ${core.version()})`,
    events_per_fold: events, iters, reps,
    median_events_per_s: Math.round(perRep / median(wall)),
    best_events_per_s: Math.round(perRep / Math.min(...wall)),
    cpu_median_events_per_s: Math.round(perRep / median(cpu)),
    cpu_best_events_per_s: Math.round(perRep / Math.min(...cpu)),
  };
  console.log(JSON.stringify({ native, wasm }, null, 1));
  console.log(`wasm/native (wall median): ${(wasm.median_events_per_s / native.median_events_per_s).toFixed(2)}`);
  console.log(`wasm/native (cpu median):  ${(wasm.cpu_median_events_per_s / native.cpu_median_events_per_s).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
