// Loads golden cases from tests/golden/<module>/<case>.in.json (+ .out.json)
// and turns each into a request { id, op, input } that every runtime executes
// on the same bytes. The input text is built here, once, so all four runtimes
// see identical input.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './runners.mjs';

export const goldenDir = join(root, 'tests/golden');

/** module -> (parsed .in.json) -> { op, input } */
export const modules = {
  // {"input": <event JSON value>} or {"input_text": "<raw text, possibly malformed>"}
  event: (spec) => ({
    op: 'event.decode',
    input: typeof spec.input_text === 'string' ? spec.input_text : JSON.stringify(spec.input),
  }),
  // {catalog: text, catalog_format, config: {}, events: [...], state?: {}, now} (tests/golden/profile)
  profile: (spec) => ({
    op: 'profile',
    input: {
      catalog: spec.catalog,
      catalog_format: spec.catalog_format ?? 'jsonl',
      config: JSON.stringify(spec.config ?? {}),
      events: spec.events.map((e) => JSON.stringify(e)).join('\n') + '\n',
      state: spec.state ? JSON.stringify(spec.state) : null,
      now: spec.now,
    },
  }),
};

// Copy: {"op": "render", "template", "data"?, "options"?} | {"op": "preview", "template", "data"?,
// "platform", "options"?} | {"op": "check", "request": {...}}. Data, options and the request are
// objects in the spec (or *_text for raw, possibly malformed text); every runtime gets the same text.
const textOf = (spec, key, fallback) =>
  (typeof spec[`${key}_text`] === 'string' ? spec[`${key}_text`] : spec[key] === undefined ? fallback : JSON.stringify(spec[key]));
modules.copy = (spec) => ({
  op: 'copy',
  input: {
    kind: spec.op,
    template: spec.template ?? '',
    data: textOf(spec, 'data', '{}'),
    options: textOf(spec, 'options', ''),
    platform: spec.platform ?? '',
    request: textOf(spec, 'request', ''),
  },
});

// Realistic shoppers cut from the sample stores (tests/runtimes/make-store-goldens.mjs).
modules['profile-store'] = modules.profile;

// Recommendations whose slot configuration an experiment picks
// (tests/runtimes/make-recommend-goldens.mjs): {"bundle_file": "bundle.bin" (next to
// the case), "request": {...}}. Every runtime gets the bundle as base64 and the request text.
modules['recommend-experiment'] = (spec, dir) => ({
  op: 'recommend',
  input: {
    bundle: readFileSync(join(dir, spec.bundle_file)).toString('base64'),
    request: JSON.stringify(spec.request),
  },
});

// Recommendations: {"bundle": "<file in the same folder>", "request": {...}}; the bundle
// bytes travel as base64 (tests/golden/recommend/make-bundle.sh rebuilds them).
modules.recommend = (spec, dir) => ({
  op: 'recommend',
  input: {
    bundle: readFileSync(join(dir, spec.bundle)).toString('base64'),
    request: JSON.stringify(spec.request),
  },
});

/** Every case of the given modules, sorted by id; `expected` is null when .out.json is missing. */
export function loadCases(names = Object.keys(modules)) {
  const cases = [];
  for (const module of names) {
    const dir = join(goldenDir, module);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.json')).sort()) {
      const name = file.slice(0, -'.in.json'.length);
      const spec = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const outFile = join(dir, `${name}.out.json`);
      const expected = existsSync(outFile) ? readFileSync(outFile, 'utf8') : null;
      cases.push({ id: `${module}/${name}`, module, name, outFile, ...modules[module](spec, dir),
        expected: expected === null ? null : expected.replace(/\n$/, '') });
    }
  }
  return cases;
}
