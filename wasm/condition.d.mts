// Types of wasm/condition.mjs.
import type { TailorCore } from './index.mjs';

/** A GrowthBook condition: attribute paths and operators ($eq, $in, $regex, $or, ...). */
export type Condition = { [key: string]: unknown };
/** Attributes a condition is evaluated on (JSON object). */
export type Attributes = { [key: string]: unknown };
/** GrowthBook saved groups: id -> values (v1) or {type:'list'|'condition', ...}. */
export type SavedGroups = {
  [id: string]:
    | (string | number)[]
    | { type: 'list'; attributeKey?: string; values: (string | number)[] }
    | { type: 'condition'; condition: Condition };
};

export declare function evalCondition(core: TailorCore, condition: Condition | string,
  attributes: Attributes | string, savedGroups?: SavedGroups | string | null): boolean;
export declare function checkCondition(core: TailorCore, condition: Condition | string): void;
