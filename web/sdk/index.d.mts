// Types of Tailor's storefront SDK (web/sdk/index.mjs); checked by tsc over tests/web/sdk-types-usage.ts.
import type {
  TailorCore, TailorEvent, WasmSource, Tailor, Profile, ProfileConfig, SuppressionKind,
  Decision, Recommendation, Recommender, RecommendRequest, BundleInfo, ErrorCode,
  FeatureResult, GrowthBookDefinitions, StickyDocs,
} from '../../wasm/index.mjs';

/** What the SDK needs from the wasm package (build/wasm/pkg/index.mjs). */
export interface TailorPackage {
  TailorCore: { load(src?: WasmSource): Promise<TailorCore> };
  Tailor: typeof Tailor;
  Recommender: typeof Recommender;
  Copy?: new (core: TailorCore) => unknown;
  /** Needed with `experiments`. */
  GrowthBookDefinitions?: typeof GrowthBookDefinitions;
  stickyCookieDecode?(core: TailorCore, cookie: string): { stickyBucketAssignmentDocs: StickyDocs; order: [string, string][] };
  stickyCookieEncode?(core: TailorCore, docs: StickyDocs | string, recent?: [string, string][]): string;
}

export interface ExperimentsOptions {
  /** GrowthBook definitions ({features, savedGroups, contextualBandits}, or a config holding them); default: the server's GET /v1/config. */
  config?: Source | Record<string, unknown>;
  /** GrowthBook attributes besides `id` (always the shopper's uid), or a function of the shopper. */
  attributes?: Record<string, unknown> | ((shopper: { uid: string; profile(): Profile }) => Record<string, unknown>);
  /** When the sticky-bucket cookie (STICKY_COOKIE) is written: with sync consent (default), always, never. */
  cookie?: 'consent' | 'always' | 'never';
  /** Pass location.href for URL targeting and ?experiment=N previews (default true). */
  url?: boolean;
}

/** A text or binary source: inline, or fetched with an ETag cache in IndexedDB. */
export type Source = string | ArrayBuffer | ArrayBufferView | URL | { url: string; headers?: Record<string, string> };

export type ConsentPurpose = 'personalization' | 'analytics' | 'marketing';
export interface ConsentChoice { analytics?: boolean; personalization?: boolean; marketing?: boolean }
export interface ConsentState { analytics: boolean; personalization: boolean; marketing: boolean; ts: number; event_id: string }

export interface ShopperToken { token: string; expires_at?: number }

export interface ServerOptions {
  /** tailor-sync base URL, e.g. https://sync.example.com */
  url: string;
  /** A public browser-scope API key. */
  key: string;
  /** Returns a shopper token for uid (from the store's backend). Called only once sync is allowed. */
  token(uid: string): Promise<string | ShopperToken>;
}

export interface RenderItemContext { slot: string; decision: Decision; element: Element; reasonText: string }

export interface StartOptions {
  /** The catalog (JSON Lines or CSV text, or where to fetch it). */
  catalog: Source;
  catalogFormat?: 'jsonl' | 'csv';
  /** The profile config (object, JSON text, or where to fetch it). */
  config?: ProfileConfig | Source;
  /** The recommendation bundle (bytes, or where to fetch it: ETag-cached). Without it, slots keep their fallback. */
  bundle?: Source;
  /** Features and experiments evaluated by the core (true: the server's config). */
  experiments?: true | ExperimentsOptions;
  /** tailor-sync; without it nothing is ever sent. */
  server?: ServerOptions;
  /** Which consent purpose allows sync (default 'personalization'). */
  syncPurpose?: ConsentPurpose;
  /** A signed-in shopper's id; default: an anonymous id kept in IndexedDB. */
  uid?: string;
  /** The wasm package module, or its URL (default ../pkg/index.mjs next to the SDK). */
  tailor?: TailorPackage;
  pkg?: string;
  core?: TailorCore;
  wasm?: WasmSource;
  /** IndexedDB database name (default 'tailor-sdk'); or a store object (MemoryStore). */
  dbName?: string;
  store?: MemoryStore;
  /** Where data-tailor-* attributes are watched (default document; null: no DOM wiring). */
  root?: Document | Element | null;
  /** Copy slots: template name -> Liquid source, rendered by the core. */
  templates?: Record<string, string>;
  locale?: string;
  currency?: string;
  renderItem?: (item: Recommendation, ctx: RenderItemContext) => Node | null;
  /** Newest view/click/cart/purchase events handed to the recommender (default 1000, at most 5000). */
  recommendEvents?: number;
  /** A slot that cannot be filled shows its fallback after this many ms (default 2000). */
  slotTimeoutMs?: number;
  /** Events are batched for this long before a flush (default 1000 ms). */
  flushDelayMs?: number;
  retry?: { baseMs?: number; maxMs?: number };
  /** Called by forget() for a shopper that was ever synced, so the backend can erase the server copy. */
  onForget?: (args: { uid: string; token: () => Promise<string | ShopperToken> }) => Promise<void>;
  /** What to do when the server says the shopper was erased (default 'forget': a fresh anonymous profile). */
  onErased?: 'forget' | 'keep';
  fetch?: typeof fetch;
  now?: () => number;
}

export interface SyncStats {
  requests: number; sent: number; acked: number; duplicates: number; rejected: number;
  failures: number; beacons: number; pulled: number;
  lastError: null | { status: number; code: string; message: string };
}

export interface SdkStatus {
  uid: string;
  store: 'indexeddb' | 'memory';
  consent: ConsentState | null;
  syncAllowed: boolean;
  erased: boolean;
  tracked: number;
  pending: number;
  sync: SyncStats | null;
  bundle: null | (BundleInfo & { etag: string; from: 'inline' | 'network' | 'revalidated' | 'cache' });
  experiments: null | { etag: string; from: 'inline' | 'network' | 'revalidated' | 'cache'; stickyCookie: 'consent' | 'always' | 'never'; exposed: number };
}

export interface IdentifyResult {
  uid: string;
  previousUid: string | null;
  /** tailor-sync's answer, or null when the merge waits on the device (no consent yet, offline). */
  server: null | { uid: string; moved: number; duplicates: number; already_merged: boolean };
}

export interface ProfileSettings {
  suppressed: { kind: SuppressionKind; key: string }[];
  personalization: { enabled: boolean; ts: number };
}

/** The fields of an event of type T, without what the SDK fills in (id, ts, uid, type). */
type FieldsOf<E, T> = E extends { type: infer U } ? (T extends U ? Omit<E, 'id' | 'ts' | 'uid' | 'type'> : never) : never;
export type EventFields<T extends TailorEvent['type']> = FieldsOf<TailorEvent, T>;

export interface RejectedEvent { code: ErrorCode | string; message: string; where: string; event?: TailorEvent }

export interface SdkEventMap {
  track: CustomEvent<{ event: TailorEvent }>;
  rejected: CustomEvent<{ rejected: RejectedEvent[] }>;
  consent: CustomEvent<{ consent: ConsentState | null; syncAllowed: boolean }>;
  profile: CustomEvent<Record<string, never>>;
  pulled: CustomEvent<{ events: number; watermark: number }>;
  slot: CustomEvent<{ element: Element; slot: string; decision: Decision }>;
  erased: CustomEvent<{ uid: string }>;
  forgotten: CustomEvent<{ uid: string; newUid: string }>;
  identified: CustomEvent<{ uid: string; previousUid: string; server: IdentifyResult['server'] }>;
  reset: CustomEvent<{ uid: string; newUid: string; unsent?: number }>;
  settings: CustomEvent<{ settings: ProfileSettings; from: 'server' }>;
  feature: CustomEvent<{ element: Element; key: string; result: FeatureResult }>;
  warning: CustomEvent<{ what: string; message: string; error: unknown }>;
}

export declare class TailorSDK extends EventTarget {
  static start(options: StartOptions): Promise<TailorSDK>;
  readonly uid: string;
  readonly consentState: ConsentState | null;
  readonly syncAllowed: boolean;
  readonly core: TailorCore;
  readonly tailor: Tailor;
  readonly recommender: Recommender | null;
  /** This tab's state; `pending` counts this tab's upload queue only (each tab uploads what it tracked). */
  status(): SdkStatus;
  track<T extends TailorEvent['type']>(type: T, fields: EventFields<T>): TailorEvent | null;
  consent(choice: ConsentChoice): Promise<ConsentState | null>;
  deleteTag(kind: SuppressionKind, key: string): void;
  setPersonalized(enabled: boolean): void;
  profile(options?: { now?: number }): Profile;
  recommend(slot: string, options?: { context?: string[]; size?: number; exclude?: string[];
    filters?: RecommendRequest['filters']; shown?: string[] }): Decision;
  renderCopy(name: string, data?: Record<string, unknown>): string;
  fillSlot(element: Element): void;
  refresh(): void;
  /** Uploads this tab's queued events now; events another open tab tracked go with that tab's uploads. */
  flush(): Promise<void>;
  pull(): Promise<number>;
  forget(options?: { remote?: boolean }): Promise<void>;
  identify(userId: string, token?: string | ShopperToken): Promise<IdentifyResult>;
  reset(): Promise<{ uid: string; newUid: string; unsent: number }>;
  syncSettings(): Promise<boolean>;
  features(): Record<string, FeatureResult>;
  feature(key: string): FeatureResult;
  isOn(key: string): boolean;
  getFeatureValue<T>(key: string, fallback: T): T;
  close(): void;
  addEventListener<K extends keyof SdkEventMap>(type: K, listener: (ev: SdkEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

export declare class MemoryStore {
  readonly kind: 'memory';
}

export declare const SDK_LIMITS: Readonly<{ localEvents: number; impressionItems: number; profileCacheMs: number; importChunk: number; recommendEvents: number }>;
export declare const SYNC_LIMITS: Readonly<{ batchEvents: number; keepaliveBytes: number; outboxEvents: number; pullPage: number }>;
export declare const ANTI_FLICKER_CSS: string;
/** The sticky-bucket cookie's name, shared with the edge worker. */
export declare const STICKY_COOKIE: string;
/** The shopper id cookie shared with the edge worker (adopted on a new device, written like STICKY_COOKIE). */
export declare const UID_COOKIE: string;
export declare function newUid(): string;
export declare function newEventId(ts: number): string;
export declare function describeReasons(reasons: Recommendation['reasons']): string;
export declare function renderFromTemplate(slot: Element, item: Recommendation): Element;
export declare function cachedFetch(name: string, source: { url: string; headers?: Record<string, string> },
  fetchFn: typeof fetch, store: MemoryStore, options?: { binary?: boolean }):
  Promise<{ body: string | ArrayBuffer; etag: string; from: 'network' | 'revalidated' | 'cache' }>;
