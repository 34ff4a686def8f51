// Runs the native `tailor` CLI for the sample-data tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const cli = join(root, 'build/native/tailor');

export function tailor(...args) {
  const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const tempDir = (name) => mkdtempSync(join(tmpdir(), `tailor-${name}-`));

export const readLines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
export const readJsonLines = (file) => readLines(file).map((l) => JSON.parse(l));
