// Hand-written types of Tailor's JS API; checked by `tsc --noEmit` over tests/js/types-usage.ts.

/** Stable error codes of the core (append-only; see core/include/tailor/common.hpp). */
export type ErrorCode =
  | 'ok'
  | 'invalid_json'
  | 'invalid_field'
  | 'missing_field'
  | 'unknown_field'
  | 'unknown_event_type'
  | 'limit_exceeded'
  | 'duplicate_id'
  | 'invalid_csv'
  | 'invalid_condition'
  | 'invalid_state'
  | 'invalid_config'
  | 'not_found'
  | 'internal';

export declare class TailorError extends Error {
  readonly code: ErrorCode;
  readonly errno: number;
  /** JSON path (`events[3].price`), `line N`, or template `line:col`; '' when not applicable. */
  readonly where: string;
}

export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | URL | string;

export type EventType =
  | 'view' | 'click' | 'add_to_cart' | 'remove_from_cart' | 'purchase'
  | 'search' | 'impression' | 'exposure' | 'consent' | 'identify';

interface EventBase { id: string; ts: number; uid: string }
export type TailorEvent =
  | (EventBase & { type: 'view'; item_id: string })
  | (EventBase & { type: 'click'; item_id: string; slot?: string })
  | (EventBase & { type: 'add_to_cart' | 'remove_from_cart'; item_id: string; quantity?: number })
  | (EventBase & { type: 'purchase'; currency: string; order_id?: string;
      items: { item_id: string; quantity?: number; price: number }[] })
  | (EventBase & { type: 'search'; query: string })
  | (EventBase & { type: 'impression'; item_ids: string[]; slot?: string })
  | (EventBase & { type: 'exposure'; experiment: string; variation: string | number })
  | (EventBase & { type: 'consent'; analytics: boolean; personalization: boolean; marketing: boolean })
  | (EventBase & { type: 'identify'; previous_uid: string });

export declare function loadCore(src?: WasmSource): Promise<unknown>;
export declare function unwrap(envelopeText: string): unknown;

export declare class TailorCore {
  static load(src?: WasmSource): Promise<TailorCore>;
  version(): string;
  errorCodes(): { code: ErrorCode; errno: number; message: string }[];
  decodeEvent(event: TailorEvent | string): TailorEvent;
}
export * from './profile.mjs';
export * from './condition.mjs';
export * from './recommend.mjs';
