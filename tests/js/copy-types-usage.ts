// Compiled by `tsc --noEmit`: proves wasm/copy.d.mts describes a usable API.
import { TailorCore, TailorError, Copy, type PreviewResult, type RenderResult } from '../../wasm/index.mjs';

async function copyUsage(): Promise<void> {
  const core = await TailorCore.load();
  const copy = new Copy(core);
  const t = copy.compile('Hi {{ shopper.first_name | default: "friend" }}');
  const vars: string[] = t.variables;
  const r: RenderResult = t.render({ shopper: { first_name: 'Ana' } }, { locale: 'zh-CN', limits: { steps: 1000 } });
  const data = copy.data({ shopper: {} });
  const again: RenderResult = copy.render(t, data);
  const fast: string = t.renderText(data);
  console.log(fast);
  const p: PreviewResult = copy.preview('{{ shopper.first_name }}', { first_name: 'Ana' }, 'sms');
  const segments: number = p.segments;
  const score: number = copy.check('Shop now', { platform: 'google_ads_rsa', field: 'headline' }).score;
  const best = copy.variants('[[Shop|Try]] now', {}, 'sms', 2)[0]?.text;
  const sms = copy.smsSegments('hi').encoding;
  const units = copy.platforms().map((x) => x.fields.map((f) => f.unit));
  t.close();
  data.close();
  try {
    copy.compile('{% if %}');
  } catch (e) {
    if (e instanceof TailorError) console.log(e.where);
  }
  console.log(vars, r.text, again.unresolved, segments, score, best, sms, units);
}
void copyUsage;
