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
  /** GrowthBook user context for a slot that runs an experiment ({attributes, stickyBucketAssignmentDocs?, trackedExperiments?, ...}). */
  experiment_context?: Record<string, unknown>;
  /** Assignments made elsewhere (e.g. by the edge): feature key -> GrowthBook FeatureResult. */
  assignments?: Record<string, unknown>;
  /** The shopper's segment ids (profile().segments[].id): source segment_trending. */
  segments?: string[];
}

/** Which configuration an experiment gave the slot (see README, "Recommenders as experiment variations"). */
export interface SlotExperiment {
  feature: string;
  source: string | null;
  experiment_key: string | null;
  variation_id: number | null;
  variation_key: string | null;
  in_experiment: boolean;
  config: string;
  exposure: null | { dedupeKey: string; experimentKey: string; featureId: string; variationId: number;
    variationKey: string; hashAttribute: string; hashValue: string | number };
  stickyBucketAssignmentDocs?: Record<string, unknown>;
}

export type ReasonSource =
  | 'repeat' | 'ease' | 'covisit' | 'trending' | 'popular'
  | 'embedding' | 'content' | 'category_trending' | 'segment_trending'
  | 'pinned' | 'boost' | 'bury' | 'negative_feedback' | 'model';

// because: the anchor item (ease, covisit, content, embedding), the category path (category_trending)
// or the segment id (segment_trending).
export interface Reason { source: ReasonSource; share: number; because?: string; factor?: number }

export interface Recommendation { id: string; title: string; score: number; reasons: Reason[] }

export interface Decision {
  slot: string;
  items: Recommendation[];
  fallback: null | 'cold_start' | 'builtin_ranker';
  warnings: string[];
  /** Present when the slot names an experiment. */
  experiment?: SlotExperiment;
}

export interface BundleInfo {
  format_version: number;
  items: number;
  bytes: number;
  content_hash: string;
  slots: string[];
  embedding_dim: number;
}

/** Names of the serving features a ranker spec may list (see core/include/tailor/recommend.hpp). */
export type RankerFeature =
  | 'own_score' | 'own_count' | 'repeat_rate' | 'ease' | 'covisit' | 'trending' | 'popularity'
  | 'recency' | 'is_own' | 'blend' | 'price' | 'in_stock' | 'category_affinity';

export interface RankerSpec {
  features: RankerFeature[];
  /** Input tensor name (default "features"). */
  input?: string;
  /** Output tensor name (default "score"). */
  output?: string;
  /** How many candidates the model scores (1..1000, default 100). */
  candidates?: number;
}

/** The parts of onnxruntime-web's InferenceSession the recommender uses. */
export interface RankerSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly { readonly isTensor?: boolean; readonly shape?: ReadonlyArray<number | string> }[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { readonly data: ArrayLike<number> | ArrayLike<bigint> }>>;
}

export interface RankerModel {
  /** The onnxruntime-web module (its Tensor class builds the input). */
  ort: { Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown };
  session: RankerSession;
  spec: RankerSpec | string;
}

export declare class Recommender {
  static open(core: TailorCore, bytes: ArrayBuffer | ArrayBufferView): Recommender;
  readonly info: BundleInfo;
  recommend(request: RecommendRequest | string): Decision;
  recommendWithModel(request: RecommendRequest | string, model: RankerModel): Promise<Decision>;
  close(): void;
}

/** Top-k over int8 embeddings in wasm (SIMD scan, exact f32 re-score of a shortlist). */
export declare class EmbeddingIndex {
  /** values: n * dim floats, row-major. Throws TailorError on bad sizes. */
  static build(core: TailorCore, values: Float32Array | ArrayLike<number>, n: number, dim: number): EmbeddingIndex;
  readonly dim: number;
  /** The best k rows (ties by row index), best first. */
  topK(query: Float32Array | ArrayLike<number>, k: number): { items: Uint32Array; scores: Float32Array };
  close(): void;
}
