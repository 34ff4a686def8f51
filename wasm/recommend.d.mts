import type { TailorCore, TailorEvent } from './index.mjs';

export interface RecommendRequest {
  slot: string;
  /** UTC milliseconds: the core has no clock. */
  now: number;
  events?: TailorEvent[];
  context?: string[];
  cart?: string[];
  exclude?: string[];
  shown?: string[];
  dislikes?: string[];
  size?: number;
  filters?: { category?: string; min_price_minor?: number; max_price_minor?: number; in_stock?: boolean };
}

export type ReasonSource =
  | 'repeat' | 'ease' | 'covisit' | 'trending' | 'popular'
  | 'embedding' | 'content' | 'category_trending'
  | 'pinned' | 'boost' | 'bury' | 'negative_feedback';

// because: the anchor item (ease, covisit, content, embedding) or the category path (category_trending).
export interface Reason { source: ReasonSource; share: number; because?: string; factor?: number }

export interface Recommendation { id: string; title: string; score: number; reasons: Reason[] }

export interface Decision {
  slot: string;
  items: Recommendation[];
  fallback: null | 'cold_start';
  warnings: string[];
}

export interface BundleInfo {
  format_version: number;
  items: number;
  bytes: number;
  content_hash: string;
  slots: string[];
  embedding_dim: number;
}

export declare class Recommender {
  static open(core: TailorCore, bytes: ArrayBuffer | ArrayBufferView): Recommender;
  readonly info: BundleInfo;
  recommend(request: RecommendRequest | string): Decision;
  close(): void;
}
