// Vectors for Number.prototype.toString and ToNumber(string), which the
// condition language uses for `value + ""` and `value * 1` coercions.
//   node tests/oracles/number-oracle.mjs > tests/vectors/js-numbers.json
import { prng } from './condition-gen.mjs';

const r = prng(7);
const buf = new DataView(new ArrayBuffer(8));
const hex = (x) => { buf.setFloat64(0, x); return buf.getBigUint64(0).toString(16).padStart(16, '0'); };
const doubles = [0.1, 0.2, 0.1 + 0.2, 1 / 3, 2 / 3, 1e21, 1e-7, 1e-6, 123e-20, 5e-324, 2.2250738585072014e-308,
  1.7976931348623157e308, 9007199254740993, 4.35, 0.000001, 1e-6 * 3, 123456789012345680000, 2 ** 70, 2 ** -20,
  1.5, 100.25, 5e-7, 12345.6789];
for (let i = 0; i < 300; i++) {
  // Random bit patterns (finite), random decimals and random scaled integers.
  buf.setUint32(0, Math.floor(r() * 0x7fe00000));
  buf.setUint32(4, Math.floor(r() * 2 ** 32));
  doubles.push(buf.getFloat64(0));
  doubles.push(Number((r() * 1000).toFixed(1 + Math.floor(r() * 6))));
  doubles.push(Math.floor(r() * 1e6) * 10 ** (Math.floor(r() * 60) - 30));
}
const toString = doubles.flatMap((x) => [[hex(x), String(x)], [hex(-x), String(-x)]]);
const strings = [' 5 ', '', '0x1A', '0X1a', '0b101', '0o17', '-0x1', '1e', '1e+', '.5', '5.', '.', '+.5', '-5e-3',
  'Infinity', '-Infinity', '+Infinity', 'infinity', 'inf', 'NaN', '1_000', '١', '\u00a07\u2028', '\ufeff8', '1,5',
  '12abc', '0.1e-400', '1e400', '00012', '-0', '1.7976931348623159e308', '2.4703282292062328e-324', '0x', '  \n ',
  '9007199254740993', '123456789012345678901234567890'];
const toNumber = strings.map((s) => [s, Number.isNaN(Number(s)) ? 'NaN' : hex(Number(s))]);
process.stdout.write(JSON.stringify({ generator: 'tests/oracles/number-oracle.mjs', node: process.version, toString, toNumber }) + '\n');
