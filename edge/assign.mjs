// Experiment assignment at the edge. The core assigns (GrowthBook-compatible,
// the same buckets as the browser and the server); this module only moves
// bytes: cookies in and out, the core's results into the page.
//
// Cookies (first party, readable by the page so the browser SDK shares them;
// written only as the ASSIGN_COOKIES policy allows, see cookiePlan):
//   tailor_uid  the shopper id (`a-<16 hex>` when the edge had to make one)
//   tailor_sb   sticky buckets in the core's compact encoding (<= 1 KB, least
//               recently used assignments evicted first)
// A tampered, truncated or unknown-version sticky cookie is the documented safe
// default: the shopper starts with no sticky assignments (re-bucketed by hash,
// which gives the same variation while the experiment's weights are unchanged),
// the cookie is rewritten and the page's assignment lists the warning.
import { GrowthBookDefinitions, TailorError, stickyCookieDecode, stickyCookieEncode } from './pkg/index.mjs';

export const UID_COOKIE = 'tailor_uid';
export const STICKY_COOKIE = 'tailor_sb';
const UID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
const YEAR_SECONDS = 365 * 24 * 3600;

/** Cookie header -> Map of name -> value (the first of repeated names wins). */
export function readCookies(header) {
  const out = new Map();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** A new anonymous shopper id. */
function newShopperId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `a-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** ASSIGN_COOKIES values, as the SDK's experiments.cookie. */
const COOKIE_POLICIES = new Set(['consent', 'always', 'never']);

/**
 * Whom this request assigns and whether the edge may write cookies, under the
 * ASSIGN_COOKIES policy. consent (the default): only a shopper whose browser
 * already holds tailor_uid, which the SDK writes once the visitor consents and
 * removes on withdrawal, is assigned and gets the sticky cookie; anyone else
 * gets the page's defaults (no id, so no experiment) and no cookie. always: a
 * new visitor gets an id cookie at once. never: ids come only from cookies the
 * SDK wrote, and the edge writes none. An unknown policy is consent, with a
 * warning. Returns {uid ('' when none), fresh, write, warnings}.
 */
export function cookiePlan(policy, cookies) {
  const warnings = [];
  if (policy === undefined || policy === null) policy = 'consent';
  if (!COOKIE_POLICIES.has(policy)) {
    warnings.push({ source: 'config', code: 'invalid_config',
      message: `ASSIGN_COOKIES must be consent, always or never, got ${JSON.stringify(String(policy))}; using consent` });
    policy = 'consent';
  }
  const held = cookies.get(UID_COOKIE);
  if (held && UID_PATTERN.test(held)) return { uid: held, fresh: false, write: policy !== 'never', warnings };
  if (policy !== 'always') return { uid: '', fresh: false, write: false, warnings };
  return { uid: newShopperId(), fresh: true, write: true, warnings };
}

export function setCookie(name, value, secure) {
  return `${name}=${value}; Path=/; Max-Age=${YEAR_SECONDS}; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The sticky cookie decoded by the core; a bad one is no sticky assignments plus a warning. */
export function readSticky(core, cookie) {
  if (!cookie) return { docs: {}, order: [], warning: null };
  try {
    const d = stickyCookieDecode(core, cookie);
    return { docs: d.stickyBucketAssignmentDocs, order: d.order, warning: null };
  } catch (e) {
    if (!(e instanceof TailorError)) throw e;
    return { docs: {}, order: [], warning: { source: 'sticky_cookie', code: e.code, message: e.message } };
  }
}

/**
 * Every feature for one shopper, with sticky buckets read from and written to
 * the cookie. definitions: GrowthBook's {features, savedGroups} (text or object).
 * Returns {features, exposures, stickyCookie, warnings}. A definitions error is
 * thrown (TailorError); the caller serves the page's defaults.
 */
export function assignShopper(core, definitions, { uid, url, attributes = {}, stickyCookie }) {
  const sticky = readSticky(core, stickyCookie);
  const warnings = sticky.warning ? [sticky.warning] : [];
  const defs = GrowthBookDefinitions.load(core, definitions);
  try {
    // The core says which assignments this page used (stickyBucketOrder): the cookie evicts the others first.
    const out = defs.evalAll({ attributes: { ...attributes, id: uid }, url,
      stickyBucketAssignmentDocs: sticky.docs, stickyBucketOrder: sticky.order });
    const cookie = stickyCookieEncode(core, out.stickyBucketAssignmentDocs, out.stickyBucketOrder);
    return { features: out.features, exposures: out.exposures, stickyCookie: cookie, warnings };
  } finally {
    defs.close();
  }
}

/** JSON for a <script type="application/json"> element: no "<" can close it. */
export function scriptJson(value) {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** What an element marked data-tailor-variant shows: the feature's value as text ("" when it has none). */
export function valueText(result) {
  const v = result?.value;
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Rewrites a page with the shopper's assignment, so it arrives already decided:
 *  - <head> gets <script type="application/json" id="tailor-assignment"> with
 *    {uid, features (FeatureResults), exposures, warnings}: the browser SDK reads
 *    it instead of assigning again, and passes `features` as a recommend()
 *    request's `assignments`;
 *  - an element with data-tailor-feature="key" gets data-tailor-value (the
 *    value as text), for CSS;
 *  - an element with data-tailor-feature="key" and data-tailor-variant="v" is
 *    kept only when the value's text is v; with data-tailor-default it is also
 *    kept when the feature has no value (unknown feature, broken definitions).
 */
export function rewritePage(response, assignment) {
  const features = assignment.features ?? {};
  const script = `<script type="application/json" id="tailor-assignment">${scriptJson(assignment)}</script>`;
  return new HTMLRewriter()
    .on('head', { element(e) { e.append(script, { html: true }); } })
    .on('[data-tailor-feature]', {
      element(e) {
        const key = e.getAttribute('data-tailor-feature');
        const result = Object.hasOwn(features, key) ? features[key] : undefined;
        const text = valueText(result);
        const variant = e.getAttribute('data-tailor-variant');
        if (variant !== null) {
          const keep = text === '' ? e.hasAttribute('data-tailor-default') : variant === text;
          if (!keep) { e.remove(); return; }
        }
        e.setAttribute('data-tailor-value', text);
      },
    })
    .transform(response);
}
