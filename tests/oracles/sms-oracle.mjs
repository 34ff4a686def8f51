// Differential oracle for SMS segments: runs sms-segments-calculator over
// hand-picked and seeded random messages and writes tests/vectors/sms-segments.json.
//   node tests/oracles/sms-oracle.mjs
import { writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(import.meta.url);
const { SegmentedMessage } = require(join(root, 'node_modules/sms-segments-calculator'));
export const calculatorVersion = JSON.parse(readFileSync(join(root, 'node_modules/sms-segments-calculator/package.json'), 'utf8')).version;

/** The calculator's view of a message. */
export function segmentsOf(text) {
  const m = new SegmentedMessage(text);
  return { encoding: m.encodingName, segments: m.segmentsCount, non_gsm: m.getNonGsmCharacters() };
}

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function smsMessages(seed = 7, n = 400) {
  const r = prng(seed);
  const pools = [
    'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?:;-+=()*/%&#"\'@$£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà\n',
    '^{}\\[~]|€',
    '你好上海限时优惠立即购买',
    'áíóúâêôãõç“”‘’–—…',
    '😀🎉👍🏽❤️🇨🇳👨‍👩‍👧',
  ];
  const out = [];
  const fixed = [
    '', 'a', 'x'.repeat(160), 'x'.repeat(161), 'x'.repeat(306), 'x'.repeat(307), '€'.repeat(80), '€'.repeat(81),
    'x'.repeat(152) + '€', 'x'.repeat(153) + '€', '你'.repeat(70), '你'.repeat(71), '你'.repeat(134), '你'.repeat(135),
    'x'.repeat(66) + '😀', 'x'.repeat(69) + '😀', 'x'.repeat(159) + 'é', 'x'.repeat(159) + 'á',
    'Maple & Co: Ana, your cart (3 items) is waiting. Use WELCOME-15 for 15% off. Reply STOP to opt out',
    '【枫叶】小明，您的购物车还有3件商品，使用WELCOME-15立减15%。回T退订',
  ];
  for (const f of fixed) out.push(f);
  for (let i = 0; i < n; ++i) {
    const len = Math.floor(r() * 420);
    const mix = r();
    let s = '';
    for (let k = 0; k < len; ++k) {
      const pool = mix < 0.5 ? pools[0] : pools[Math.floor(r() * (r() < 0.8 ? 2 : pools.length))];
      const chars = [...pool];
      s += chars[Math.floor(r() * chars.length)];
    }
    out.push(s);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cases = smsMessages().map((text) => ({ text, ...segmentsOf(text) }));
  writeFileSync(join(root, 'tests/vectors/sms-segments.json'), JSON.stringify({
    spec: 'tailor sms-segments v1', calculator: `sms-segments-calculator ${calculatorVersion}`,
    command: 'node tests/oracles/sms-oracle.mjs', cases,
  }, null, 1) + '\n');
  console.log(`${cases.length} messages`);
}
