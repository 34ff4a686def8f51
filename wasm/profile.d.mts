// Types of the profile API (wasm/profile.mjs). Wire format: README "Profiles".
import type { ErrorCode, TailorCore, TailorEvent, WasmSource } from './index.mjs';

export type FeatureKind = 'category' | 'brand' | 'price_band' | 'tag';
export type SuppressionKind = FeatureKind | 'segment';
export type LifecycleStage = 'new' | 'active' | 'at_risk' | 'lapsed';
export type IntentSignal =
  | 'product_views' | 'distinct_items' | 'add_to_cart' | 'remove_from_cart' | 'searches'
  | 'cart_items' | 'minutes' | 'returning' | 'past_orders' | 'purchased';

export interface ProfileConfig {
  half_life_days?: number;
  weights?: Partial<Record<TailorEvent['type'], number>>;
  session_timeout_minutes?: number;
  lifecycle?: { new_days?: number; active_days?: number; lapsed_days?: number };
  price_bands?: { id: string; max?: number }[];
  top_k?: number;
  recent_items?: number;
  intent?: { bias?: number; weights?: Partial<Record<IntentSignal, number>> };
  segments?: { id: string; name?: string; condition: Record<string, unknown> }[];
}

export interface Affinity { key: string; score: number }

interface ProfileCommon {
  version: 1;
  now: number;
  events: {
    total: number; counted: number; future: number; unknown_items: number;
    by_type: Partial<Record<TailorEvent['type'], number>>;
  };
  identities: { uids: string[]; links: { from: string; to: string; ts: number }[] };
  consent: null | { analytics: boolean; personalization: boolean; marketing: boolean; ts: number; event_id: string };
  suppressed: { kind: SuppressionKind; key: string }[];
}

export interface PersonalizedProfile extends ProfileCommon {
  personalized: true;
  rfm: {
    recency_days: number | null; frequency: number; monetary: Record<string, number>;
    first_purchase_ts: number | null; last_purchase_ts: number | null;
  };
  lifecycle: {
    stage: LifecycleStage; first_seen_ts: number | null; last_seen_ts: number | null;
    days_since_first: number | null; days_since_last: number | null;
  };
  affinities: Record<FeatureKind, Affinity[]>;
  cart: { item_id: string; quantity: number }[];
  recent_items: string[];
  experiments: Record<string, { variation: string; ts: number }>;
  sessions: {
    count: number; timeout_minutes: number;
    current: null | { start_ts: number; last_ts: number; events: number; minutes: number };
  };
  intent: null | {
    score: number; logit: number; bias: number;
    parts: { signal: IntentSignal; value: number; cap: number; weight: number; contribution: number }[];
  };
  segments: Segment[];
}

export interface NonPersonalizedProfile extends ProfileCommon {
  personalized: false;
  reason: 'opted_out' | 'no_consent';
}

export type Profile = PersonalizedProfile | NonPersonalizedProfile;
export interface Segment { id: string; name: string }

export interface TrackResult {
  /** Valid events (including ones already in the profile). */
  accepted: number;
  /** Events that changed the state (new ids, or a newer version of an id). */
  added: number;
  rejected: { code: ErrorCode; errno: number; message: string; where: string }[];
}

export interface TailorLoadOptions {
  /** JSON Lines or CSV text (see README "Catalogs"). */
  catalog: string;
  catalogFormat?: 'jsonl' | 'csv';
  config?: ProfileConfig | string;
  /** A state from exportState(), merged in after loading. */
  state?: string | object;
  wasm?: WasmSource | TailorCore;
}

export declare class Tailor {
  static load(options: TailorLoadOptions): Promise<Tailor>;
  track(eventOrEvents: TailorEvent | TailorEvent[] | string, options?: { now?: number }): TrackResult;
  profile(options?: { now?: number }): Profile;
  profileText(options?: { now?: number }): string;
  segments(options?: { now?: number }): Segment[];
  deleteTag(kind: SuppressionKind, key: string): void;
  setPersonalized(enabled: boolean, options?: { now?: number }): void;
  exportState(): string;
  importState(state: string | object): void;
  close(): void;
  [Symbol.dispose](): void;
}
