// Compiled by `tsc --noEmit` in npm test: proves wasm/index.d.ts describes a usable API.
import { TailorCore, TailorError, type TailorEvent, type ErrorCode } from '../../wasm/index.mjs';
import { Tailor, type Profile, type TrackResult, type Segment } from '../../wasm/index.mjs';
import { evalCondition, checkCondition, type Condition } from '../../wasm/index.mjs';
import { assign, evalAll, gbHash, GrowthBookDefinitions, type FeatureResult, type FeatureSet, type GrowthBookContext }
  from '../../wasm/index.mjs';
import { stickyCookieDecode, stickyCookieEncode, exposureEventId, type StickyOrder } from '../../wasm/index.mjs';

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

async function profileUsage(): Promise<void> {
  const core = await TailorCore.load();
  using t = await Tailor.load({
    catalog: 'id,price,currency\nA,1,GBP\n', catalogFormat: 'csv', wasm: core,
    config: { half_life_days: 7, price_bands: [{ id: 'low', max: 20 }, { id: 'high' }],
      segments: [{ id: 'buyers', condition: { 'rfm.frequency': { $gte: 1 } } }] },
  });
  const r: TrackResult = t.track([{ type: 'view', id: 'e1', ts: 1, uid: 'u', item_id: 'A' }], { now: 2 });
  const p: Profile = t.profile({ now: 2 });
  if (p.personalized) {
    const top: string | undefined = p.affinities.category[0]?.key;
    const intent: number | undefined = p.intent?.score;
    console.log(top, intent, p.lifecycle.stage);
  } else {
    const why: 'opted_out' | 'no_consent' = p.reason;
    console.log(why);
  }
  const segs: Segment[] = t.segments({ now: 2 });
  t.deleteTag('tag', 'red');
  t.setPersonalized(false, { now: 3 });
  t.importState(t.exportState());
  const text: string = t.profileText();
  console.log(r.accepted, r.rejected[0]?.code, segs, text);
}
void profileUsage;
async function conditionUsage(): Promise<boolean> {
  const core = await TailorCore.load();
  const cond: Condition = { country: { $in: ['US', 'GB'] }, age: { $gte: 18 } };
  checkCondition(core, cond);
  return evalCondition(core, cond, { country: 'US', age: 30 }, { vip: ['u1'] });
}
void conditionUsage;
import { Recommender, type Decision, type RecommendRequest } from '../../wasm/index.mjs';
async function recommendUsage(bytes: Uint8Array): Promise<void> {
  const core = await TailorCore.load();
  const rec = Recommender.open(core, bytes);
  const req: RecommendRequest = { slot: 'home', now: 1, filters: { category: 'Home' }, size: 5 };
  const d: Decision = rec.recommend(req);
  console.log(d.items.map((i) => [i.id, i.score, i.reasons[0]?.source]), rec.info.content_hash);
  const ab = rec.recommend({ slot: 'home', now: 1, experiment_context: { attributes: { id: 'u1' } } });
  const exposure = ab.experiment?.exposure;
  if (exposure) console.log(ab.experiment?.variation_id, exposure.dedupeKey, ab.experiment?.config);
  rec.recommend({ slot: 'home', now: 1, assignments: { 'home-recs': { value: null } } });
  rec.close();
}
void recommendUsage;
import type { RankerModel, RankerSession } from '../../wasm/index.mjs';
async function rankerUsage(rec: Recommender, session: RankerSession,
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown): Promise<Decision> {
  const model: RankerModel = { ort: { Tensor }, session, spec: { features: ['blend', 'ease', 'price'], candidates: 50 } };
  const d = await rec.recommendWithModel({ slot: 'home', now: 1 }, model);
  if (d.fallback === 'builtin_ranker') console.log(d.warnings);
  return d;
}
void rankerUsage;

async function experimentUsage(): Promise<FeatureResult> {
  const core = await TailorCore.load();
  const ctx: GrowthBookContext = { attributes: { id: 'u1' }, features: { f: { defaultValue: 1 } } };
  const all = evalAll(core, ctx);
  const h: number | null = gbHash(core, 'seed', 'u1', 2, 'utf8');
  console.log(all.features.f?.value, h);
  const defs = GrowthBookDefinitions.load(core, { features: ctx.features });
  const page: FeatureSet = defs.evaluate({ id: 'u1' }, { hashEncoding: 'utf16' });
  const on: boolean = page.isOn('f');
  console.log(page.value('f'), on, page.exposures.length, page.keys.length, page.features.f?.source);
  const one: FeatureResult = page.result('f');
  // Sticky buckets through the cookie: the order in and out is the core's.
  const sticky = stickyCookieDecode(core, 's1.~00000000');
  const out = defs.evalAll({ attributes: { id: 'u1' }, stickyBucketAssignmentDocs: sticky.stickyBucketAssignmentDocs,
    stickyBucketOrder: sticky.order });
  const order: StickyOrder | undefined = out.stickyBucketOrder;
  const cookie: string = stickyCookieEncode(core, out.stickyBucketAssignmentDocs ?? {}, order);
  const id: string = exposureEventId(core, page.exposures[0]?.dedupeKey ?? '');
  console.log(cookie, id);
  defs.close();
  console.log(one.ruleId);
  return assign(core, ctx, 'f').result;
}
void experimentUsage;
