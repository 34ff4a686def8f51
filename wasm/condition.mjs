// Targeting conditions (GrowthBook's language) evaluated by the wasm core.
// JS only serializes: the decision is the core's.
import { unwrap } from './index.mjs';

const toText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const rawOf = (core) => core.raw ?? core;

/**
 * Evaluates `condition` on `attributes` as GrowthBook's evalCondition does.
 * `core` is a TailorCore (or the raw module). Throws TailorError when the
 * condition or attributes cannot be used (invalid_condition, limit_exceeded...).
 */
export function evalCondition(core, condition, attributes, savedGroups) {
  const groups = savedGroups === undefined || savedGroups === null ? '' : toText(savedGroups);
  return unwrap(rawOf(core).evalCondition(toText(condition), toText(attributes), groups));
}

/** Throws TailorError if `condition` does not compile; returns nothing otherwise. */
export function checkCondition(core, condition) {
  unwrap(rawOf(core).checkCondition(toText(condition)));
}
