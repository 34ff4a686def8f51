// Compiled by `tsc --noEmit` in npm test: proves wasm/index.d.ts describes a usable API.
import { TailorCore, TailorError, type TailorEvent, type ErrorCode } from '../../wasm/index.mjs';

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

import { Recommender, type Decision, type RecommendRequest } from '../../wasm/index.mjs';
async function recommendUsage(bytes: Uint8Array): Promise<void> {
  const core = await TailorCore.load();
  const rec = Recommender.open(core, bytes);
  const req: RecommendRequest = { slot: 'home', now: 1, filters: { category: 'Home' }, size: 5 };
  const d: Decision = rec.recommend(req);
  console.log(d.items.map((i) => [i.id, i.score, i.reasons[0]?.source]), rec.info.content_hash);
  rec.close();
}
void recommendUsage;
