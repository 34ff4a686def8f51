// Types of wasm/experiment.mjs.
import type { TailorCore } from './index.mjs';

export type FeatureResultSource =
  | 'unknownFeature' | 'defaultValue' | 'force' | 'override' | 'experiment'
  | 'prerequisite' | 'cyclicPrerequisite';

export interface ExperimentResult {
  key: string;
  featureId: string | null;
  inExperiment: boolean;
  hashUsed: boolean;
  variationId: number;
  value: unknown;
  hashAttribute: string;
  hashValue: unknown;
  stickyBucketUsed: boolean;
  name?: string;
  bucket?: number;
  passthrough?: boolean;
  leafId?: number;
  variationWeights?: number[];
  banditVersion?: number;
}

export interface FeatureResult {
  value: unknown;
  on: boolean;
  off: boolean;
  source: FeatureResultSource;
  ruleId: string;
  experiment?: Record<string, unknown>;
  experimentResult?: ExperimentResult;
}

export type StickyDocs = Record<string, { attributeName: string; attributeValue: string; assignments: Record<string, string> }>;
/** ["attr||value", "experiment__bucketVersion"] of sticky assignments, least recently used first. */
export type StickyOrder = [string, string][];
/**
 * With sticky bucketing on (stickyBucketAssignmentDocs in the context), results carry the updated
 * docs and their order as the core decided it (what this evaluation read or wrote is the most
 * recent): pass both to stickyCookieEncode unchanged.
 */
export interface StickyState { stickyBucketAssignmentDocs?: StickyDocs; stickyBucketOrder?: StickyOrder }

export interface GrowthBookContext {
  attributes?: Record<string, unknown>;
  features?: Record<string, unknown>;
  savedGroups?: Record<string, unknown>;
  forcedVariations?: Record<string, number>;
  forcedFeatureValues?: Record<string, unknown>;
  url?: string;
  qaMode?: boolean;
  enabled?: boolean;
  groups?: Record<string, boolean>;
  contextualBandits?: Record<string, unknown>;
  experiments?: Record<string, unknown>[];
  stickyBucketAssignmentDocs?: StickyDocs;
  /** The docs' order (stickyCookieDecode's `order`); unlisted assignments count as the oldest. */
  stickyBucketOrder?: StickyOrder;
  hashEncoding?: 'utf16' | 'utf8';
  trackedExperiments?: string[];
}

export declare function assign(core: TailorCore, context: GrowthBookContext | string, feature: string):
  { result: FeatureResult } & StickyState;
export declare function assign(core: TailorCore, context: GrowthBookContext | string, experiment: Record<string, unknown>):
  { result: ExperimentResult } & StickyState;
export interface Exposure {
  dedupeKey: string; experimentKey: string; featureId: string; variationId: number; variationKey: string;
  hashAttribute: string; hashValue: unknown;
}
export declare function evalAll(core: TailorCore, context: GrowthBookContext | string):
  { features: Record<string, FeatureResult>; exposures: Exposure[] } & StickyState;
export declare function evalAutoExperiments(core: TailorCore, context: GrowthBookContext | string):
  { tracked: { experimentKey: string; result: ExperimentResult }[]; redirectUrl: string };
export declare function gbHash(core: TailorCore, seed: string, value: string, version: number,
  encoding?: 'utf16' | 'utf8'): number | null;
export declare function gbDecrypt(core: TailorCore, payload: string, key: string): string;
export declare function stickyCookieDecode(core: TailorCore, cookie: string):
  { stickyBucketAssignmentDocs: StickyDocs; order: StickyOrder };
/** `recent`: the evaluation's stickyBucketOrder (least recently used first; evicted first). */
export declare function stickyCookieEncode(core: TailorCore, docs: StickyDocs | string,
  recent?: StickyOrder): string;

/** `x-` + the first 32 hex digits of SHA-256(dedupeKey as UTF-8): the id tailor-sync gives the same exposure. */
export declare function exposureEventId(core: TailorCore, dedupeKey: string): string;

export interface ArmStats { key?: string; users: number; conversions?: number; revenue?: number; revenue_sq?: number }
export interface ArmResult {
  key: string; conversion_rate: number; revenue_per_visitor: number; uplift: number; ci: [number, number];
  rpv_uplift: number; rpv_ci: [number, number]; chance_to_beat_control: number;
}
export declare function analyzeExperiment(core: TailorCore, input: { arms: ArmStats[]; expected_weights?: number[];
  sequential?: boolean; sequential_tuning?: number; srm_threshold?: number } | string):
  { arms: ArmResult[]; srm: { chi2: number; p_value: number; detected: boolean }; sequential: boolean };
export declare function banditWeights(core: TailorCore, input: { arms: ArmStats[]; seed?: string | number;
  draws?: number; exploration_floor?: number } | string): { weights: number[]; draws: number; seed: number };

export type UserContext = Omit<GrowthBookContext, 'features' | 'savedGroups' | 'contextualBandits'>;
/**
 * Every feature for one shopper, as the core decided them. value/isOn are lookups;
 * result/features/exposures build the SDK's objects on demand. Values and
 * experiment objects are shared between results and frozen.
 */
export interface FeatureSet {
  readonly keys: readonly string[];
  value(key: string): unknown;
  isOn(key: string): boolean;
  result(key: string): FeatureResult;
  readonly features: Record<string, FeatureResult>;
  readonly exposures: Exposure[];
}
export declare class GrowthBookDefinitions {
  static load(core: TailorCore, definitions: { features?: Record<string, unknown>; savedGroups?: Record<string, unknown>;
    contextualBandits?: Record<string, unknown> } | string): GrowthBookDefinitions;
  /** The fast path for a page: attributes alone (a plain object), evaluated in one wasm call. */
  evaluate(attributes: Record<string, unknown> | null | undefined, options?: { hashEncoding?: 'utf16' | 'utf8' }): FeatureSet;
  evalAll(user: UserContext | string): { features: Record<string, FeatureResult>; exposures: Exposure[] } & StickyState;
  evalFeature(user: UserContext | string, key: string): { result: FeatureResult } & StickyState;
  close(): void;
}
