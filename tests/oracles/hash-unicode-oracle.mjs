// Tailor's published hash vectors for non-ASCII ids (GrowthBook's cases.json
// has none): utf16 values come from the GrowthBook SDK's hash(); utf8 values
// from an independent FNV-1a over TextEncoder bytes, computed here.
//   node tests/oracles/hash-unicode-oracle.mjs > tests/vectors/hash-unicode.json
import { GrowthBook } from '@growthbook/growthbook';
import { UNICODE_IDS } from './experiment-gen.mjs';

// hash() is not exported; a run() with one all-covering range reports it as `bucket`.
const hash = (seed, id, version) => {
  const gb = new GrowthBook({ attributes: { id } });
  const res = gb.run({ key: seed, seed, variations: [0, 1], ranges: [[0, 1], [1, 1]], hashVersion: version });
  gb.destroy();
  if (!res.hashUsed) throw new Error('hash not used for ' + id);
  return res.bucket;
};
const fnvBytes = (bytes) => {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h >>> 0;
};
const enc = new TextEncoder();
const fnv8 = (s) => fnvBytes(enc.encode(s));
const hash8 = (seed, value, version) => {
  if (version === 2) return (fnv8(String(fnv8(seed + value))) % 10000) / 10000;
  if (version === 1) return (fnv8(value + seed) % 1000) / 1000;
  return null;
};
const ids = [...UNICODE_IDS, '👍🏽', 'Å', 'Å', 'ﬁ', '\u{1F469}\u{200D}\u{1F4BB}', 'x'.repeat(3) + '中'];
const seeds = ['', 'exp', '实验', '🧪'];
const vectors = [];
for (const id of ids) for (const seed of seeds) for (const version of [1, 2]) {
  vectors.push({ seed, id, version, utf16: hash(seed, id, version), utf8: hash8(seed, id, version) });
}
process.stdout.write(JSON.stringify({
  generator: 'tests/oracles/hash-unicode-oracle.mjs',
  note: 'utf16 = GrowthBook hash (charCodeAt); utf8 = Tailor hash_encoding::utf8',
  vectors,
}, null, 1) + '\n');
