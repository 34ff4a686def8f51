// Every `tailor` subcommand rejects flags it does not know, and malformed ones,
// with an error naming the flag (exit 2) instead of silently ignoring them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tailor = (...args) => spawnSync(join(root, 'build/native/tailor'), args, { encoding: 'utf8' });
const vec = (f) => join(root, 'tests/vectors/recommend', f);

// The subcommands as `tailor --help` lists them.
const commands = tailor('--help').stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(/\s+/)[0]);

test('tailor --help lists the subcommands', () => {
  assert.ok(commands.length >= 17, commands.join(' '));
  for (const c of ['build-bundle', 'eval', 'train-ranker', 'recommend', 'render', 'assign']) assert.ok(commands.includes(c), c);
});

test('every subcommand rejects an unknown flag, naming it', () => {
  for (const c of commands) {
    for (const bad of ['--no-such-flag', '--no-such-flag=1']) {
      const r = tailor(c, bad, 'x');
      assert.equal(r.status, 2, `${c} ${bad}: ${r.stderr}`);
      assert.equal(r.stderr, `tailor ${c}: unknown flag --no-such-flag\n`, c);
    }
  }
});

test('build-bundle: a misspelt flag is an error, not a bundle built without it', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tailor-flags-')), 'b.bin');
  const r = tailor('build-bundle', '--events', vec('events.jsonl'), '--out', out, '--lamda', '10');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown flag --lamda/);
  assert.equal(existsSync(out), false);
});

test('malformed flags: a missing value, a switch with a value, a repeat, a stray argument', () => {
  const cases = [
    [['build-bundle', '--events', vec('events.jsonl'), '--out'], /--out expects a value/],
    [['build-bundle', '--events', '--out', 'b.bin'], /--events expects a value/],
    [['build-bundle', '--events', vec('events.jsonl'), '--out', 'b.bin', '--progress=yes'], /--progress takes no value, got "yes"/],
    [['build-bundle', '--events', vec('events.jsonl'), '--out', 'b.bin', '--lambda', '1', '--lambda=2'], /--lambda is given twice/],
    [['build-bundle', '--events', vec('events.jsonl'), 'extra.jsonl', '--out', 'b.bin'], /unexpected argument "extra.jsonl"/],
    [['eval', '--train', 'a', '--test', 'b', '--no-ease=1'], /--no-ease takes no value/],
    [['render', 'a.liquid', 'b.liquid'], /unexpected argument "b.liquid"/],
    [['recommend', '--bundle', 'b.bin', '--request'], /--request expects a value/],
  ];
  for (const [args, message] of cases) {
    const r = tailor(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^tailor ${args[0]}: ${message.source}`), args.join(' '));
  }
});

test('known flags work in both spellings, and a switch before a file leaves the file positional', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-flags-'));
  const a = tailor('build-bundle', `--events=${vec('events.jsonl')}`, '--out', join(dir, 'a.bin'), '--lambda=10', '--no-content');
  assert.equal(a.status, 0, a.stderr);
  assert.ok(statSync(join(dir, 'a.bin')).size > 0);
  // `--all` takes no value: the context file after it is the positional argument.
  const r = tailor('assign', '--all', join(root, 'tests/golden/experiment/no-such.json'));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot read .*no-such\.json/);
});
