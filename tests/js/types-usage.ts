// Compiled by `tsc --noEmit` in npm test: proves wasm/index.d.ts describes a usable API.
import { TailorCore, TailorError, type TailorEvent, type ErrorCode } from '../../wasm/index.mjs';
import { evalCondition, checkCondition, type Condition } from '../../wasm/index.mjs';
import { assign, evalAll, gbHash, type FeatureResult, type GrowthBookContext } from '../../wasm/index.mjs';

async function usage(): Promise<void> {
  const core = await TailorCore.load();
  const ev: TailorEvent = { type: 'view', id: 'e1', ts: 1, uid: 'u1', item_id: 'A' };
  const back: TailorEvent = core.decodeEvent(ev);
  const codes: ErrorCode[] = core.errorCodes().map((c) => c.code);
  try {
    core.decodeEvent('{}');
  } catch (e) {
    if (e instanceof TailorError) {
      const code: ErrorCode = e.code;
      console.log(code, e.where, back, codes);
    }
  }
}
void usage;

async function conditionUsage(): Promise<boolean> {
  const core = await TailorCore.load();
  const cond: Condition = { country: { $in: ['US', 'GB'] }, age: { $gte: 18 } };
  checkCondition(core, cond);
  return evalCondition(core, cond, { country: 'US', age: 30 }, { vip: ['u1'] });
}
void conditionUsage;

async function experimentUsage(): Promise<FeatureResult> {
  const core = await TailorCore.load();
  const ctx: GrowthBookContext = { attributes: { id: 'u1' }, features: { f: { defaultValue: 1 } } };
  const all = evalAll(core, ctx);
  const h: number | null = gbHash(core, 'seed', 'u1', 2, 'utf8');
  console.log(all.features.f?.value, h);
  return assign(core, ctx, 'f').result;
}
void experimentUsage;
