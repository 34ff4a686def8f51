// Regenerates tests/golden/profile/*.out.json with the native CLI:
//   scripts/build.sh native && node tests/golden/profile/regen.mjs
// Regenerating is its own commit, naming this command and explaining every diff.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../../../build/native/tailor', import.meta.url));

/** Runs `tailor profile` on one golden input; returns stdout (profile JSON + "\n"). */
export function runCli(input, binary = cli) {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-golden-'));
  try {
    const catalog = join(dir, `catalog.${input.catalog_format}`);
    writeFileSync(catalog, input.catalog);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(input.config ?? {}));
    writeFileSync(join(dir, 'events.jsonl'), input.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const args = ['profile', '--catalog', catalog, '--events', join(dir, 'events.jsonl'),
      '--config', join(dir, 'config.json'), '--now', String(input.now), '--strict'];
    if (input.state) {
      writeFileSync(join(dir, 'state.json'), JSON.stringify(input.state));
      args.push('--state', join(dir, 'state.json'));
    }
    return execFileSync(binary, args, { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of readdirSync(here).filter((n) => n.endsWith('.in.json')).sort()) {
    const input = JSON.parse(readFileSync(join(here, f), 'utf8'));
    const out = runCli(input);
    writeFileSync(join(here, f.replace('.in.json', '.out.json')), out);
    console.log(`${f}: ${out.length} bytes`);
  }
}
