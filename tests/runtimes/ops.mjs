// The golden operations, run identically in Node and in Chromium: each takes
// the request's strings and returns the core's output text unchanged. JS only
// moves bytes here; the comparison is on what the core printed.

/** op name -> (core, input) => output text. `core` is a loaded TailorCore. */
export const ops = {
  // input: the event's JSON text. Output: the core's envelope.
  'event.decode': (core, input) => core.raw.decodeEvent(input),
};

/** Runs every case; an exception becomes an output that can never match a golden. */
export async function runCases(core, cases) {
  const out = {};
  for (const c of cases) {
    const op = ops[c.op];
    try {
      if (!op) throw new Error(`unknown op ${c.op}`);
      out[c.id] = await op(core, c.input);
    } catch (err) {
      out[c.id] = `!exception: ${err?.message ?? err}`;
    }
  }
  return out;
}
