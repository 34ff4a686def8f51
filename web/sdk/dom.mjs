// The page side of the SDK: data-tailor-* attributes become events, and
// recommendation and copy slots are filled before the browser paints them.
//
//   data-tailor-view="ITEM"          a view of ITEM when the element appears (once per element)
//   data-tailor-click="ITEM"         a click on ITEM (slot: the closest data-tailor-slot)
//   data-tailor-add-to-cart="ITEM"   add_to_cart on click; data-tailor-quantity="N" (default 1)
//   data-tailor-search               on a <form>: a search with the value of its [name=q] input
//   data-tailor-consent="accept|decline|withdraw"   consent buttons
//   data-tailor-slot="SLOT"          a recommendation slot (data-tailor-context="ITEM …", data-tailor-size="N")
//   data-tailor-copy="TEMPLATE"      a copy slot: the named template rendered by the core
//   data-tailor-feature="KEY"        an experiment/feature: children with data-tailor-variation="VALUE"
//                                    show the core's value; on a slot or copy element, a string value
//                                    names the slot or template to use

/** Hides unfilled slots so their fallback content never flashes (put the same rule inline in <head>). */
export const ANTI_FLICKER_CSS = '[data-tailor-slot]:not([data-tailor-state]),[data-tailor-copy]:not([data-tailor-state]),'
  + '[data-tailor-feature]:not([data-tailor-state]){visibility:hidden}';

const SLOT_SELECTOR = '[data-tailor-slot],[data-tailor-copy],[data-tailor-feature]';
const ACTION_SELECTOR = '[data-tailor-click],[data-tailor-add-to-cart],[data-tailor-consent]';

export function installStyle(doc) {
  if (doc.querySelector('style[data-tailor-style]')) return;
  const style = doc.createElement('style');
  style.setAttribute('data-tailor-style', '');
  style.textContent = ANTI_FLICKER_CSS;
  (doc.head ?? doc.documentElement).append(style);
}

/**
 * Wires a root (document or element) to the SDK. `sdk` provides track(),
 * consent(), fillSlot(el) and the option `slotTimeoutMs`. Returns a detach function.
 */
export function attach(root, sdk, { slotTimeoutMs = 2000 } = {}) {
  const doc = root.ownerDocument ?? root;
  const seenViews = new WeakSet();
  const slots = new Set(); // slot elements seen (refreshed when the profile changes)

  const onClick = (ev) => {
    const el = ev.target instanceof Element ? ev.target.closest(ACTION_SELECTOR) : null;
    if (!el || !root.contains(el)) return;
    if (el.hasAttribute('data-tailor-consent')) {
      const v = el.getAttribute('data-tailor-consent');
      const yes = v === 'accept';
      if (yes || v === 'decline' || v === 'withdraw') sdk.consent({ analytics: yes, personalization: yes, marketing: yes });
      return;
    }
    const slotEl = el.closest('[data-tailor-slot]');
    if (el.hasAttribute('data-tailor-add-to-cart')) {
      const q = Number(el.getAttribute('data-tailor-quantity') ?? 1);
      sdk.track('add_to_cart', { item_id: el.getAttribute('data-tailor-add-to-cart'), quantity: Number.isInteger(q) && q > 0 ? q : 1 });
      return;
    }
    const fields = { item_id: el.getAttribute('data-tailor-click') };
    const slot = slotEl?.getAttribute('data-tailor-slot') || el.getAttribute('data-tailor-from');
    if (slot) fields.slot = slot;
    sdk.track('click', fields);
  };

  const onSubmit = (ev) => {
    const form = ev.target instanceof Element ? ev.target.closest('form[data-tailor-search]') : null;
    if (!form || !root.contains(form)) return;
    const input = form.querySelector('[name=q]') ?? form.querySelector('input');
    const q = String(input?.value ?? '').trim();
    if (q) sdk.track('search', { query: q.slice(0, 500) });
  };

  // Views and slots in a subtree; runs from MutationObserver callbacks, i.e. before the next paint.
  const scan = (node) => {
    if (!(node instanceof Element)) return;
    const els = [node, ...node.querySelectorAll('[data-tailor-view],' + SLOT_SELECTOR)];
    for (const el of els) {
      if (el.hasAttribute('data-tailor-view') && !seenViews.has(el)) {
        seenViews.add(el);
        sdk.track('view', { item_id: el.getAttribute('data-tailor-view') });
      }
      if (el.matches(SLOT_SELECTOR) && !slots.has(el)) {
        slots.add(el);
        sdk.fillSlot(el);
        if (!el.hasAttribute('data-tailor-state')) {
          // Not fillable yet (the bundle is still loading): show the fallback after a while.
          setTimeout(() => { if (!el.hasAttribute('data-tailor-state')) el.setAttribute('data-tailor-state', 'timeout'); }, slotTimeoutMs);
        }
      }
    }
  };

  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') {
        // A slot whose context changed (same element, new product): fill again.
        if (r.target instanceof Element && r.target.matches(SLOT_SELECTOR)) sdk.fillSlot(r.target);
        continue;
      }
      for (const n of r.addedNodes) scan(n);
    }
    for (const el of slots) if (!el.isConnected) slots.delete(el);
  });
  observer.observe(root, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['data-tailor-slot', 'data-tailor-context', 'data-tailor-copy', 'data-tailor-size', 'data-tailor-feature'],
  });
  doc.addEventListener('click', onClick, true);
  doc.addEventListener('submit', onSubmit, true);
  scan(root instanceof Element ? root : root.documentElement);

  return {
    slots: () => [...slots].filter((el) => el.isConnected),
    refresh() {
      for (const el of slots) {
        if (el.isConnected) sdk.fillSlot(el);
        else slots.delete(el);
      }
    },
    detach() {
      observer.disconnect();
      doc.removeEventListener('click', onClick, true);
      doc.removeEventListener('submit', onSubmit, true);
    },
  };
}

/**
 * Shows a feature's value on its element: `data-tailor-value` holds it (strings as they
 * are, other values as JSON), the children whose data-tailor-variation equals it are shown
 * and the other variation children hidden; when none equals it, the first one shows (write
 * the control first). `state`: 'applied' (the core's decision) or 'default' (no config).
 */
export function applyFeature(el, result, state) {
  const v = result.value;
  const text = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  el.setAttribute('data-tailor-value', text);
  const kids = [...el.querySelectorAll(':scope > [data-tailor-variation]')];
  const match = kids.filter((k) => k.getAttribute('data-tailor-variation') === text);
  const shown = match.length ? match : kids.slice(0, 1);
  for (const k of kids) k.hidden = !shown.includes(k);
  el.setAttribute('data-tailor-state', state);
}

/** The default item renderer: clones the slot's <template>, fills [data-tailor-field] elements. */
export function renderFromTemplate(slotEl, item) {
  const tpl = slotEl.querySelector(':scope > template');
  const doc = slotEl.ownerDocument;
  let node;
  if (tpl) {
    node = tpl.content.firstElementChild?.cloneNode(true) ?? doc.createElement('div');
  } else {
    node = doc.createElement('div');
    node.setAttribute('data-tailor-field', 'title');
  }
  const fields = [node, ...node.querySelectorAll('[data-tailor-field]')].filter((el) => el.hasAttribute('data-tailor-field'));
  for (const el of fields) {
    const f = el.getAttribute('data-tailor-field');
    if (f === 'reasons') el.textContent = describeReasons(item.reasons);
    else if (f === 'score') el.textContent = item.score.toFixed(3);
    else if (f in item) el.textContent = String(item[f]);
  }
  node.setAttribute('data-tailor-item', item.id);
  if (!node.hasAttribute('data-tailor-click')) node.setAttribute('data-tailor-click', item.id);
  return node;
}

const SOURCE_TEXT = {
  repeat: 'you looked at it before', ease: 'matches your taste', covisit: 'often viewed together',
  trending: 'trending now', popular: 'popular', pinned: 'featured', boost: 'promoted', bury: 'shown less',
  negative_feedback: 'shown less (you hid similar)', segment_trending: 'trending in your segment',
};

/** Human text for the core's reasons (display only; the reasons themselves are the core's). */
export function describeReasons(reasons = []) {
  return reasons.map((r) => `${SOURCE_TEXT[r.source] ?? r.source}${r.because ? ` (${r.because})` : ''}`).join(' · ');
}
