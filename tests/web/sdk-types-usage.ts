// Compiled by `tsc --noEmit` in npm test (tests/js/tsconfig.json): proves web/sdk/index.d.mts
// describes a usable API, and rejects events with wrong fields.
import { TailorSDK, MemoryStore, SDK_LIMITS, SYNC_LIMITS, STICKY_COOKIE, type SdkStatus, type StartOptions } from '../../web/sdk/index.mjs';
import type { Decision, FeatureResult, Profile, TailorEvent } from '../../wasm/index.mjs';

export async function sdkUsage(catalog: string, bundle: ArrayBuffer): Promise<void> {
  const options: StartOptions = {
    catalog,
    config: { half_life_days: 14 },
    bundle,
    server: { url: 'https://sync.example', key: 'tsb_x', token: async (uid) => ({ token: `t-${uid}` }) },
    templates: { hero: '{% if profile.personalized %}Hi{% endif %}' },
    renderItem: (item, { slot, reasonText }) => {
      const el = document.createElement('div');
      el.textContent = `${slot} ${item.title} ${reasonText}`;
      return el;
    },
    onForget: async ({ uid, token }) => { await token(); console.log(uid); },
    store: new MemoryStore(),
    experiments: { attributes: ({ profile }) => ({ personalized: profile().personalized }), cookie: 'always' },
  };
  const sdk = await TailorSDK.start(options);
  const ev: TailorEvent | null = sdk.track('add_to_cart', { item_id: 'sku-1', quantity: 2 });
  sdk.track('purchase', { currency: 'GBP', items: [{ item_id: 'sku-1', price: 9.99 }] });
  // @ts-expect-error a view needs item_id
  sdk.track('view', { query: 'mug' });
  const consent = await sdk.consent({ personalization: true, analytics: true });
  const p: Profile = sdk.profile();
  const d: Decision = sdk.recommend('similar', { context: ['sku-1'], size: 4 });
  const st: SdkStatus = sdk.status();
  sdk.addEventListener('slot', (e) => console.log(e.detail.decision.items.length));
  sdk.addEventListener('rejected', (e) => console.log(e.detail.rejected[0]?.code));
  await sdk.flush();
  const pulled: number = await sdk.pull();
  console.log(ev?.id, consent?.personalization, p.personalized, d.fallback, st.pending, pulled,
    sdk.renderCopy('hero'), SDK_LIMITS.localEvents, SYNC_LIMITS.batchEvents);
  const hero: FeatureResult = sdk.feature('hero-layout');
  const layout: string = sdk.getFeatureValue('hero-layout', 'classic');
  sdk.addEventListener('identified', (e) => console.log(e.detail.previousUid, e.detail.server?.moved));
  const who = await sdk.identify('alice', { token: 'v1.0.YWxpY2U.x' });
  // @ts-expect-error a uid is a string
  await sdk.identify(42);
  const merged: boolean = await sdk.syncSettings();
  const out = await sdk.reset();
  console.log(hero.on, layout, who.uid, who.server?.duplicates, merged, out.newUid, sdk.isOn('x'), STICKY_COOKIE,
    Object.keys(sdk.features()), sdk.status().experiments?.exposed);
  await sdk.forget();
  sdk.close();
}
