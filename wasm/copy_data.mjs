// A plain JS object cut to the data a compiled template can read (its
// data_paths) and written as JSON bytes straight into a byte view (the core's
// input buffer): each kept part exactly as JSON.stringify(object) writes it,
// with no intermediate string for the common values (short strings, numbers,
// booleans, null). JS only moves bytes here: the core parses, checks and
// renders them.

const encoder = new TextEncoder();
const isEnumerable = Object.prototype.propertyIsEnumerable;

/** An object JSON.stringify writes member by member: plain (not an array, class instance, Date, …), no toJSON. */
export const isPlainObject = (v) => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof v.toJSON !== 'function';
};
/** An array JSON.stringify writes element by element (no toJSON). */
const isPlainArray = (v) => Array.isArray(v) && typeof v.toJSON !== 'function';

/**
 * data_paths (a step is a key, or null for every element of an array) → the
 * plan the writer follows: per object level, parallel arrays of the keys kept,
 * their `"key":` bytes and the plan below each (null: the whole value), and
 * `each`, the plan of every element when the value there is an array.
 */
export function planOf(paths) {
  const level = () => ({ members: new Map(), each: null });
  const root = level();
  for (const path of paths) {
    let at = root;
    for (let i = 0; i < path.length && at !== null; ++i) {
      const step = path[i];
      const last = i === path.length - 1;
      if (step === null) {
        at.each ??= level();
        at = at.each;
      } else if (last) {
        at.members.set(step, null);
      } else {
        if (!at.members.has(step)) at.members.set(step, level());
        at = at.members.get(step); // null: already whole
      }
    }
  }
  const freeze = (l) => {
    const plan = { keys: [], heads: [], below: [], each: l.each === null ? null : freeze(l.each) };
    for (const [key, below] of l.members) {
      plan.keys.push(key);
      plan.heads.push(encoder.encode(`${JSON.stringify(key)}:`));
      plan.below.push(below === null ? null : freeze(below));
    }
    return plan;
  };
  return freeze(root);
}

/**
 * Writes the JSON of `data` (a plain object) cut to `plan` into `view` from
 * byte 0 and returns its length in bytes. Writes past the end of the view are
 * dropped, so a length beyond view.length means the view was too small (or
 * detached by memory growth): what it holds is then unusable; write again into
 * a larger one. Throws what JSON.stringify would throw on the kept parts
 * (cycles, BigInt).
 */
export function writeData(view, data, plan) {
  return writeMembers(view, data, plan, 0);
}

// Code generation is refused by workerd and by pages with a strict CSP: writeData serves there.
const canGenerate = (() => {
  try {
    return new Function('return 1')() === 1; // eslint-disable-line no-new-func
  } catch {
    return false;
  }
})();

/**
 * A writer specialized to `plan`, with the same contract as writeData: one generated function
 * per object level, reading members by constant keys (monomorphic property loads instead of the
 * plan walk), or null where code generation is not allowed. Keys enter the code only as
 * JSON.stringify string literals; arrays (`each`) and whole values go through the shared writers.
 */
export function compileWriter(plan) {
  if (!canGenerate) return null;
  const plans = [];
  const levels = [];
  const level = (at) => {
    const id = levels.length;
    levels.push('');
    plans.push(at);
    let body = `function w${id}(b, o, p) {\n  b[p] = 0x7b;\n  const first = p + 1;\n  let q = first, v, m, r;\n`;
    at.keys.forEach((key, i) => {
      const k = JSON.stringify(key);
      const below = at.below[i];
      let value;
      if (below === null) {
        value = `typeof v === 'string' ? writeString(b, v, q) : writeValue(b, ${k}, v, null, q)`;
      } else if (below.each === null) {
        value = `isPlainObject(v) ? w${level(below)}(b, v, q) : writeValue(b, ${k}, v, plans[${plans.indexOf(below)}], q)`;
      } else {
        plans.push(below);
        value = `writeValue(b, ${k}, v, plans[${plans.length - 1}], q)`;
      }
      const head = Array.from(at.heads[i], (byte, j) => `b[q + ${j}] = ${byte};`).join(' ');
      body += `  if (isEnumerable.call(o, ${k})) {\n    v = o[${k}];\n    m = q;\n    if (q !== first) b[q++] = 0x2c;\n` +
        `    ${head}\n    q += ${at.heads[i].length};\n    r = ${value};\n    q = r < 0 ? m : r;\n  }\n`;
    });
    levels[id] = `${body}  b[q] = 0x7d;\n  return q + 1;\n}\n`;
    return id;
  };
  level(plan);
  const make = new Function('isEnumerable', 'isPlainObject', 'writeString', 'writeValue', 'plans', // eslint-disable-line no-new-func
    `${levels.join('')}return (view, data) => w0(view, data, 0);`);
  return make(isEnumerable, isPlainObject, writeString, writeValue, plans);
}

// Each writer puts its text at b[p…] and returns the position after it.

function writeMembers(b, o, plan, p) {
  const { keys, heads, below } = plan;
  b[p] = 0x7b; // {
  const first = p + 1;
  let q = first;
  for (let i = 0; i < keys.length; ++i) {
    const key = keys[i];
    if (!isEnumerable.call(o, key)) continue;
    const v = o[key];
    const mark = q;
    if (q !== first) b[q++] = 0x2c; // ,
    const head = heads[i];
    for (let k = 0; k < head.length; ++k) b[q + k] = head[k];
    const r = writeValue(b, key, v, below[i], q + head.length);
    q = r < 0 ? mark : r;
  }
  b[q] = 0x7d; // }
  return q + 1;
}

function writeElements(b, a, plan, p) {
  b[p] = 0x5b; // [
  let q = p + 1;
  const n = a.length;
  for (let i = 0; i < n; ++i) {
    if (i > 0) b[q++] = 0x2c;
    const r = writeValue(b, i, a[i], plan, q);
    q = r < 0 ? writeAscii(b, 'null', q) : r; // as JSON.stringify writes undefined in arrays
  }
  b[q] = 0x5d; // ]
  return q + 1;
}

/** The value held under `key`, cut to `plan` (null: whole); -1 when JSON.stringify leaves it out. */
function writeValue(b, key, v, plan, p) {
  switch (typeof v) {
    case 'string': return writeString(b, v, p);
    case 'number': return Number.isFinite(v) ? writeAscii(b, `${v}`, p) : writeAscii(b, 'null', p);
    case 'boolean': return writeAscii(b, v ? 'true' : 'false', p);
    case 'undefined': case 'function': case 'symbol': return -1;
    case 'object':
      if (v === null) return writeAscii(b, 'null', p);
      if (plan !== null) {
        if (plan.each === null) {
          if (isPlainObject(v)) return writeMembers(b, v, plan, p);
        } else if (isPlainArray(v)) {
          return writeElements(b, v, plan.each, p);
        }
      }
      break;
    default: break;
  }
  const t = wholeJson(key, v);
  return t === undefined ? -1 : writeText(b, t, p);
}

/** JSON text of `v` held under `key`, as JSON.stringify(holder) writes it (toJSON sees its key). */
function wholeJson(key, v) {
  if (typeof v.toJSON === 'function') {
    const k = String(key);
    const w = JSON.stringify({ [k]: v });
    return w === '{}' ? undefined : w.slice(JSON.stringify(k).length + 2, -1);
  }
  return JSON.stringify(v);
}

/** Short strings are escaped and encoded here; others (and any with an escape or a surrogate) by JSON.stringify. */
function writeString(b, s, p) {
  const n = s.length;
  if (n > 64) return writeText(b, JSON.stringify(s), p);
  b[p] = 0x22;
  let q = p + 1;
  for (let i = 0; i < n; ++i) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c < 0x20 || c === 0x22 || c === 0x5c) return writeText(b, JSON.stringify(s), p);
      b[q++] = c;
    } else if (c < 0x800) {
      b[q] = 0xc0 | (c >> 6);
      b[q + 1] = 0x80 | (c & 0x3f);
      q += 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      return writeText(b, JSON.stringify(s), p);
    } else {
      b[q] = 0xe0 | (c >> 12);
      b[q + 1] = 0x80 | ((c >> 6) & 0x3f);
      b[q + 2] = 0x80 | (c & 0x3f);
      q += 3;
    }
  }
  b[q] = 0x22;
  return q + 1;
}

function writeAscii(b, t, p) {
  for (let i = 0; i < t.length; ++i) b[p + i] = t.charCodeAt(i);
  return p + t.length;
}

/** Well-formed text (JSON.stringify output) as UTF-8; past the view's end, its exact length is still counted. */
function writeText(b, t, p) {
  if (p >= b.length) return p + utf8Length(t); // (also a view detached by memory growth)
  const { read, written } = encoder.encodeInto(t, b.subarray(p));
  return read === t.length ? p + written : p + utf8Length(t);
}

function utf8Length(t) {
  let n = t.length;
  for (let i = 0; i < t.length; ++i) {
    const c = t.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) { n += 2; ++i; } // a pair: 4 bytes for 2 units
    else if (c >= 0x800) n += 2;
    else if (c >= 0x80) n += 1;
  }
  return n;
}
