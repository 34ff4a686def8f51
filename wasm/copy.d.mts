// Types of Tailor's copy API (wasm/copy.mjs).

export interface RenderLimits {
  steps?: number;
  loop_iterations?: number;
  output_bytes?: number;
  memory_bytes?: number;
}

export interface RenderOptions {
  /** UTC milliseconds for `date: "now"` / `"today"`. */
  now_ms?: number;
  locale?: 'en' | 'zh-CN' | (string & {});
  /** ISO 4217 code used by `money` when no currency argument is given. */
  currency?: string;
  tz_offset_minutes?: number;
  limits?: RenderLimits;
}

export interface RenderResult {
  text: string;
  /** Variable paths that rendered as nil. */
  unresolved: string[];
  /** Variable paths whose `default` fallback was used. */
  defaulted: string[];
  steps: number;
  memory_bytes: number;
}

export type RenderInput = Record<string, unknown> | string | CopyData;

export declare class CopyData {
  close(): void;
}

export declare class CompiledTemplate {
  readonly variables: string[];
  render(data: RenderInput, options?: RenderOptions): RenderResult;
  /** Only the text (no result object); with bound CopyData or a plain object. */
  renderText(data: RenderInput, options?: RenderOptions): string;
  close(): void;
}

export interface ScorePart {
  name: 'fit' | 'compliance' | 'personalization' | 'readability' | 'cta' | 'spam' | 'duplication';
  score: number;
  weight: number;
  reason: string;
}

export interface ComplianceHit {
  term: string;
  category: string;
  severity: 'high' | 'medium' | 'low';
  byte_offset: number;
  char_offset: number;
  suggestion: string;
  source: string;
}

export interface SmsInfo {
  encoding: 'GSM-7' | 'UCS-2';
  units: number;
  segments: number;
  per_segment: number;
  remaining: number;
  non_gsm: string[];
}

export interface PreviewResult {
  text: string;
  rendered: string;
  truncated: boolean;
  length: number;
  width: number;
  segments: number;
  sms: SmsInfo;
  /** 1 to 5. */
  score: number;
  parts: ScorePart[];
  issues: string[];
  hits: ComplianceHit[];
}

export interface LexiconTerm {
  term: string;
  category?: string;
  severity?: 'high' | 'medium' | 'low';
  suggestion?: string;
  exceptions?: string[];
  source?: string;
}

export interface CheckOptions {
  platform?: string;
  field?: string;
  unresolved?: string[];
  defaulted?: string[];
  siblings?: string[];
  lexicon?: LexiconTerm[];
}

export interface CheckResult {
  score: number;
  parts: ScorePart[];
  issues: string[];
  hits: ComplianceHit[];
  sms: SmsInfo;
  graphemes: number;
  utf16: number;
  bytes: number;
  width: number;
}

export interface Variant {
  text: string;
  score: number;
  parts: ScorePart[];
  issues: string[];
  choices: number[];
}

export interface PlatformField {
  name: string;
  unit: 'grapheme' | 'utf16' | 'bytes' | 'width' | 'cjk_double' | 'half_width' | 'sms_segments';
  max: number;
  visible: number;
  source: string;
}

export interface Platform {
  id: string;
  name: string;
  fields: PlatformField[];
}

export type MeasureUnit = PlatformField['unit'] | 'sms_units';

export declare class Copy {
  constructor(core: unknown);
  compile(source: string): CompiledTemplate;
  data(data: Record<string, unknown> | string): CopyData;
  render(compiled: CompiledTemplate, data: RenderInput, options?: RenderOptions): RenderResult;
  preview(source: string, shopper: Record<string, unknown>, platform: string, options?: RenderOptions): PreviewResult;
  check(text: string, options?: CheckOptions): CheckResult;
  variants(source: string, data: Record<string, unknown> | string, platform: string, n: number, options?: RenderOptions): Variant[];
  platforms(): Platform[];
  smsSegments(text: string): SmsInfo;
  truncate(text: string, unit: MeasureUnit, max: number, ellipsis?: string): { text: string; length: number; truncated: boolean };
  longestFitting(candidates: string[], unit: MeasureUnit, max: number): { index: number; length: number };
}
