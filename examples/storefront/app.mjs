// The demo storefront. The page renders the catalog; the Tailor SDK (web/sdk)
// tracks what the visitor does (data-tailor-* attributes and a few explicit
// calls), keeps the profile in IndexedDB, syncs it to tailor-sync once the
// visitor consents, and fills the recommendation and copy slots. Every profile
// number and every recommendation comes from the Tailor core (WebAssembly) in
// this tab; the page never computes a personalization decision itself.
import { TailorSDK } from '/sdk/index.mjs';

const KEYS = { cart: 'tailor-demo.cart' };
const PAGE_SIZE = 24;
const $ = (sel, root = document) => root.querySelector(sel);

// ---- tiny DOM builder: text always goes through textContent (catalog text is data, not HTML)
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') el.setAttribute('style', v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
const fmt = (n) => money.format(n);

// Colours for product placeholders, by the catalog's colour attribute (or a hash of the id).
const SWATCH = {
  black: '#2b2d2f', white: '#b9b4a8', navy: '#24355c', sage: '#7d9a7e', terracotta: '#c0623d',
  charcoal: '#43484c', cream: '#c9b98f', 'blush pink': '#d98f98', 'ocean blue': '#2f76a3',
  'forest green': '#2f5d3e', mustard: '#c79a22', grey: '#8a9096', red: '#b3362d', oat: '#b39e7a',
};
const PALETTE = Object.values(SWATCH);
function swatch(item) {
  const c = SWATCH[(item.attributes?.colour ?? '').toLowerCase()];
  if (c) return c;
  let x = 0;
  for (const ch of item.id) x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[x % PALETTE.length];
}

const store = {
  items: [], byId: new Map(), tree: new Map(), departments: [],
  sdk: null, cart: [], lastError: '', sync: { enabled: false, reason: '' },
};

function loadCart() {
  try {
    const c = JSON.parse(localStorage.getItem(KEYS.cart) ?? '[]');
    return Array.isArray(c) ? c.filter((l) => store.byId.has(l.item_id) && l.quantity > 0) : [];
  } catch {
    return [];
  }
}
const saveCart = () => localStorage.setItem(KEYS.cart, JSON.stringify(store.cart));

// ---- tracking: the SDK builds the event, the core checks and folds it
const track = (type, fields) => store.sdk.track(type, fields);
const impression = (slot, items) => items.length && track('impression', { slot, item_ids: items.slice(0, 200).map((i) => i.id) });

// ---- catalog helpers (display only)
function buildTree(items) {
  const tree = new Map(); // path "A>B" -> { name, path, children:Set, count }
  for (const it of items) {
    for (let d = 1; d <= it.category.length; d++) {
      const path = it.category.slice(0, d).join('>');
      if (!tree.has(path)) tree.set(path, { name: it.category[d - 1], path, depth: d, children: new Set(), count: 0 });
      tree.get(path).count++;
      if (d > 1) tree.get(it.category.slice(0, d - 1).join('>')).children.add(path);
    }
  }
  return tree;
}
const inCategory = (path) => store.items.filter((it) => it.category.join('>') === path || it.category.join('>').startsWith(`${path}>`));
const catHref = (path) => `#/c/${encodeURIComponent(path)}`;
const itemHref = (it) => `#/p/${encodeURIComponent(it.id)}`;

function stars(rating, reviews) {
  const r = Number(rating);
  if (!Number.isFinite(r)) return null;
  const full = Math.round(r);
  return h('div', { class: 'stars', title: `${r} out of 5` }, '★'.repeat(full) + '☆'.repeat(5 - full), h('span', {}, `${r} (${reviews ?? 0})`));
}

function priceTag(it) {
  const was = Number(it.attributes?.was_price);
  return h('div', { class: 'price' }, fmt(it.price), Number.isFinite(was) && was > it.price ? h('s', {}, fmt(was)) : null);
}

function thumb(it, big = false) {
  const flag = it.tags?.includes('sale') ? h('span', { class: 'flag' }, 'Sale') : it.tags?.includes('new') ? h('span', { class: 'flag new' }, 'New') : null;
  // The product noun: the title without brand and colour, last two words (three around "&").
  const words = it.title.split(',')[0].replace(it.brand ?? '', '').trim().split(/\s+/);
  const label = big ? it.title : words.slice(words.at(-2) === '&' ? -3 : -2).join(' ');
  return h('div', { class: 'thumb', style: `background: linear-gradient(135deg, ${swatch(it)}, ${swatch(it)}cc)` }, flag, label);
}

// Clicks and quick adds are tracked by the SDK from the data-tailor-* attributes
// (the slot comes from the data-tailor-slot or data-tailor-from around the card).
function card(it, slot, extra = null) {
  const out = it.stock === 0;
  return h('article', { class: 'card', 'data-testid': 'product-card', 'data-item': it.id, 'data-tailor-from': slot },
    h('a', { href: itemHref(it), 'data-tailor-click': it.id, 'data-testid': 'product-link' }, thumb(it)),
    h('div', { class: 'body' },
      it.brand ? h('div', { class: 'brand' }, it.brand) : null,
      h('a', { class: 'title', href: itemHref(it), 'data-tailor-click': it.id }, it.title),
      stars(it.attributes?.rating, it.attributes?.reviews),
      priceTag(it),
      out ? h('div', { class: 'oos' }, 'Out of stock') : null,
      extra,
      h('button', { class: 'btn', type: 'button', disabled: out, 'data-testid': 'quick-add', 'data-tailor-add-to-cart': it.id, onclick: () => addToCart(it, 1) }, out ? 'Sold out' : 'Add to basket')));
}

// A recommendation slot: the SDK asks the core for `slot` and renders each item with
// renderRecommended(); `fallback` shows only if the slot cannot be filled.
function slotSection(title, slot, { context = [], size, fallback = [] } = {}) {
  return h('section', { class: 'rec', 'data-testid': `rec-${slot}` },
    h('div', { class: 'section-title' }, h('h2', {}, title), h('span', { class: 'muted small' }, 'Tailor picks, with why')),
    h('div', {
      class: 'grid', 'data-tailor-slot': slot, 'data-testid': `slot-${slot}`,
      'data-tailor-context': context.join(' ') || null, 'data-tailor-size': size ?? null,
    }, fallback.map((it) => card(it, slot))));
}

function renderRecommended(item, { slot, reasonText }) {
  const it = store.byId.get(item.id);
  if (!it) return null;
  const sources = item.reasons.map((r) => r.source).join(' ');
  return card(it, slot, h('div', { class: 'reasons', 'data-testid': 'reasons', 'data-sources': sources, title: reasonText },
    item.reasons.filter((r) => r.share >= 0.05 || item.reasons.length === 1).map((r) => {
      const because = r.because ? store.byId.get(r.because)?.title.split(',')[0] ?? r.because : '';
      const label = r.source === 'ease' && because ? 'like' : REASON_TEXT[r.source] ?? r.source;
      return h('span', { class: `why ${r.source}` }, `${label}${because ? `: ${because}` : ''}`);
    })));
}

const REASON_TEXT = {
  repeat: 'you viewed it', ease: 'matches your taste', covisit: 'viewed together with', trending: 'trending',
  popular: 'popular', pinned: 'featured', boost: 'promoted', bury: 'shown less', negative_feedback: 'hidden like it',
};

function grid(items, slot) {
  impression(slot, items);
  return h('div', { class: 'grid', 'data-testid': `grid-${slot}` }, items.map((it) => card(it, slot)));
}

function addToCart(it, quantity) {
  const line = store.cart.find((l) => l.item_id === it.id);
  if (line) line.quantity += quantity;
  else store.cart.push({ item_id: it.id, quantity });
  saveCart();
  renderCartCount(); // the add_to_cart event comes from the button's data-tailor-add-to-cart
}

function renderCartCount() {
  $('[data-testid=cart-count]').textContent = String(store.cart.reduce((n, l) => n + l.quantity, 0));
}

// ---- views
function viewHome() {
  const orders = (it) => Number(it.attributes?.orders ?? 0);
  let best = store.items.filter((it) => it.tags?.includes('bestseller')).slice(0, 12);
  // Stores without a bestseller tag (the UCI import): the items with the most orders.
  if (!best.length) best = [...store.items].sort((a, b) => orders(b) - orders(a) || a.id.localeCompare(b.id)).slice(0, 12);
  const fresh = store.items.filter((it) => it.tags?.includes('new')).slice(0, 8);
  return [
    // The headline is an experiment (feature hero-layout): the core picks the variation, the
    // SDK shows it before the first paint and records the exposure once.
    h('section', { class: 'hero' }, h('h1', { 'data-tailor-feature': 'hero-layout', 'data-testid': 'hero-headline' },
      h('span', { 'data-tailor-variation': 'classic' }, 'Things for living well'),
      h('span', { 'data-tailor-variation': 'personal' }, 'Picked for you, every visit')),
      h('p', { 'data-tailor-copy': 'hero', 'data-testid': 'hero-copy',
        'data-tailor-data': JSON.stringify({ products: store.items.length, departments: store.departments.length }) },
      `${store.items.length.toLocaleString('en-GB')} products across ${store.departments.length} departments.`)),
    slotSection('Recommended for you', 'home', { size: 8 }),
    h('div', { class: 'section-title' }, h('h2', {}, 'Bestsellers')), grid(best, 'home-bestsellers'),
    fresh.length ? [h('div', { class: 'section-title' }, h('h2', {}, 'New in')), grid(fresh, 'home-new')] : null,
  ];
}

function crumbs(path) {
  const parts = path.split('>');
  return h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Home'),
    parts.map((p, i) => [' › ', h('a', { href: catHref(parts.slice(0, i + 1).join('>')) }, p)]));
}

function viewCategory(path, sort, page) {
  const node = store.tree.get(path);
  if (!node) return viewMissing(`No category ${path}`);
  let items = inCategory(path);
  if (sort === 'price-asc') items = [...items].sort((a, b) => a.price - b.price || a.id.localeCompare(b.id));
  if (sort === 'price-desc') items = [...items].sort((a, b) => b.price - a.price || a.id.localeCompare(b.id));
  const shown = items.slice(0, PAGE_SIZE * page);
  const select = h('select', { 'data-testid': 'sort', onchange: (e) => { location.hash = `#/c/${encodeURIComponent(path)}?sort=${e.target.value}`; } },
    [['featured', 'Featured'], ['price-asc', 'Price: low to high'], ['price-desc', 'Price: high to low']]
      .map(([v, label]) => h('option', { value: v, selected: v === sort }, label)));
  return [
    crumbs(path),
    h('div', { class: 'section-title' }, h('h1', {}, node.name), h('label', { class: 'muted' }, `${items.length} products · sort `, select)),
    grid(shown, 'category-grid'),
    shown.length < items.length
      ? h('p', {}, h('a', { class: 'btn secondary', href: `#/c/${encodeURIComponent(path)}?sort=${sort}&page=${page + 1}` }, 'Show more'))
      : null,
  ];
}

function viewProduct(id) {
  const it = store.byId.get(id);
  if (!it) return viewMissing(`No product ${id}`);
  const sizes = it.attributes?.sizes?.split('|') ?? [];
  let qty = 1;
  const qtyOut = h('span', { 'data-testid': 'qty' }, '1');
  const setQty = (d) => {
    qty = Math.min(10, Math.max(1, qty + d));
    qtyOut.textContent = String(qty);
    addBtn.setAttribute('data-tailor-quantity', String(qty));
  };
  const out = it.stock === 0;
  const addBtn = h('button', { class: 'btn', type: 'button', disabled: out, 'data-testid': 'add-to-cart',
    'data-tailor-add-to-cart': it.id, 'data-tailor-quantity': '1', onclick: () => addToCart(it, qty) }, 'Add to basket');
  const similar = store.items.filter((x) => x.id !== it.id && x.category.join('>') === it.category.join('>')).slice(0, 6);
  const attrs = Object.entries(it.attributes ?? {}).filter(([k]) => !['sizes', 'was_price', 'rating', 'reviews'].includes(k));
  return [
    crumbs(it.category.join('>')),
    h('section', { class: 'detail', 'data-testid': 'product-detail', 'data-item': it.id, 'data-tailor-view': it.id },
      thumb(it, true),
      h('div', {},
        it.brand ? h('div', { class: 'brand muted' }, it.brand) : null,
        h('h1', {}, it.title),
        stars(it.attributes?.rating, it.attributes?.reviews),
        priceTag(it),
        h('div', { class: out ? 'oos' : 'muted' }, out ? 'Out of stock' : it.stock === undefined ? 'In stock' : `In stock (${it.stock} left)`),
        sizes.length ? [h('h3', {}, 'Size'), h('div', { class: 'sizes' }, sizes.map((s, i) => h('button', {
          type: 'button', class: i === 0 ? 'on' : '',
          onclick: (e) => { e.target.parentNode.querySelectorAll('button').forEach((b) => b.classList.remove('on')); e.target.classList.add('on'); },
        }, s)))] : null,
        h('div', { class: 'qty' },
          h('button', { class: 'btn secondary', type: 'button', onclick: () => setQty(-1), 'aria-label': 'less' }, '−'), qtyOut,
          h('button', { class: 'btn secondary', type: 'button', onclick: () => setQty(1), 'aria-label': 'more' }, '+'),
          addBtn),
        h('dl', {}, attrs.map(([k, v]) => [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, v)])),
        it.tags?.length ? h('div', { class: 'chips' }, it.tags.map((t) => h('span', { class: 'chip' }, t))) : null)),
    slotSection('Similar items', 'similar', { context: [it.id], size: 6, fallback: similar }),
    slotSection('Often bought together', 'bought_together', { context: [it.id], size: 6 }),
  ];
}

function viewSearch(q) {
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  const hay = (it) => `${it.title} ${it.brand ?? ''} ${it.category.join(' ')} ${(it.tags ?? []).join(' ')}`.toLowerCase();
  const found = terms.length ? store.items.filter((it) => terms.every((t) => hay(it).includes(t))) : [];
  return [
    h('h1', {}, `Results for “${q}”`),
    h('p', { class: 'muted', 'data-testid': 'result-count' }, `${found.length} products`),
    found.length ? grid(found.slice(0, 48), 'search') : h('p', {}, 'Nothing matched. Try a colour or a product, like “sage mug”.'),
  ];
}

function viewCart(notice) {
  const lines = store.cart.map((l) => ({ ...l, item: store.byId.get(l.item_id) })).filter((l) => l.item);
  const total = lines.reduce((s, l) => s + l.item.price * l.quantity, 0);
  const remove = (l) => {
    store.cart = store.cart.filter((x) => x.item_id !== l.item_id);
    saveCart();
    track('remove_from_cart', { item_id: l.item_id, quantity: l.quantity });
    renderCartCount();
    render();
  };
  const checkout = () => {
    const order = `o-${Date.now().toString(36)}`;
    track('purchase', {
      order_id: order, currency: 'GBP',
      items: lines.map((l) => ({ item_id: l.item_id, quantity: l.quantity, price: l.item.price })),
    });
    store.cart = [];
    saveCart();
    renderCartCount();
    render(`Thank you! Order ${order} is confirmed.`);
  };
  return [
    notice ? h('div', { class: 'notice', 'data-testid': 'order-confirmed' }, notice) : null,
    h('h1', {}, 'Your basket'),
    lines.length === 0 ? h('p', { class: 'muted' }, 'Your basket is empty.') : [
      h('table', { class: 'cart-table', 'data-testid': 'cart-table' },
        h('tr', {}, h('th', {}, 'Product'), h('th', {}, 'Qty'), h('th', {}, 'Price'), h('th', {}, '')),
        lines.map((l) => h('tr', { 'data-item': l.item_id },
          h('td', {}, h('a', { href: itemHref(l.item) }, l.item.title)), h('td', {}, l.quantity),
          h('td', {}, fmt(l.item.price * l.quantity)),
          h('td', {}, h('button', { class: 'link', type: 'button', 'data-testid': 'remove-line', onclick: () => remove(l) }, 'Remove'))))),
      h('div', { class: 'cart-total' }, h('strong', {}, `Total ${fmt(total)}`),
        h('button', { class: 'btn', type: 'button', 'data-testid': 'checkout', onclick: checkout }, 'Place order')),
      slotSection('Complete your order', 'cart', { size: 6 }),
    ],
    notice ? slotSection('You may also like', 'post_purchase', { size: 6 }) : null,
  ];
}

const viewMissing = (text) => [h('h1', {}, 'Not found'), h('p', { class: 'muted' }, text), h('a', { class: 'btn', href: '#/' }, 'Back home')];

function renderNav(activeDept) {
  const nav = $('[data-testid=departments]');
  nav.replaceChildren(...store.departments.map((d) => h('a', { href: catHref(d), class: d === activeDept ? 'active' : '' }, d)));
  const aside = $('[data-testid=category-tree]');
  const dept = activeDept ?? store.departments[0];
  const list = (path) => {
    const node = store.tree.get(path);
    return h('li', {}, h('a', { href: catHref(path), class: location.hash.startsWith(catHref(path)) ? 'active' : '' }, `${node.name} (${node.count})`),
      node.children.size ? h('ul', {}, [...node.children].map(list)) : null);
  };
  aside.replaceChildren(h('h3', {}, 'Shop by category'), h('ul', {}, list(dept)));
}

function render(notice) {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [route, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const [kind, ...rest] = route.split('/');
  const arg = rest.join('/');
  let content;
  let dept = null;
  if (kind === 'c') {
    dept = arg.split('>')[0];
    content = viewCategory(arg, params.get('sort') ?? 'featured', Math.max(1, Number(params.get('page')) || 1));
  } else if (kind === 'p') {
    dept = store.byId.get(arg)?.category[0] ?? null;
    content = viewProduct(arg);
  } else if (kind === 's') {
    content = viewSearch(arg);
  } else if (kind === 'cart') {
    content = viewCart(notice);
  } else {
    content = viewHome();
  }
  renderNav(dept);
  $('#view').replaceChildren(...[content].flat(Infinity).filter(Boolean));
  window.scrollTo(0, 0);
}

// ---- the live profile panel (everything shown here is the core's output)
function del(kind, key, label) {
  return h('button', {
    class: 'del', type: 'button', title: `Delete ${label ?? key} from my profile`, 'aria-label': `delete ${kind} ${key}`,
    'data-testid': 'delete-tag', 'data-kind': kind, 'data-key': key,
    onclick: () => store.sdk.deleteTag(kind, key),
  }, '×');
}

function affinityBlock(kind, title, list) {
  if (!list?.length) return null;
  const max = Math.max(...list.map((a) => a.score), 1e-9);
  return [h('h3', {}, title), h('div', { 'data-testid': `affinity-${kind}` }, list.slice(0, 6).map((a) => h('div', { class: 'aff', 'data-key': a.key },
    h('span', { class: 'key', title: a.key.split('>').join(' › ') },
      kind === 'category' ? a.key.split('>').slice(-2).join(' › ') : a.key),
    h('div', { class: 'meter' }, h('i', { style: `width:${Math.round((100 * a.score) / max)}%` })),
    h('span', { class: 'num' }, a.score.toFixed(2)),
    del(kind, a.key))))];
}

let panelQueued = false;
function queueProfile() {
  if (panelQueued) return;
  panelQueued = true;
  queueMicrotask(() => { panelQueued = false; renderProfile(); });
}

// Consent banner and sync line: what the SDK reports (the consent itself is the core's fold).
function renderSync() {
  const st = store.sdk.status();
  const signedIn = st.uid.startsWith('u-');
  $('[data-testid=sign-in-form]').hidden = signedIn || !store.sync.enabled;
  $('[data-testid=account]').hidden = !signedIn;
  $('[data-testid=signed-in-as]').textContent = signedIn ? `Signed in as ${st.uid.slice(2)}` : '';
  const features = store.sdk.features();
  $('[data-testid=experiments]').textContent = st.experiments
    ? `Experiments (decided by the core): ${Object.entries(features).map(([k, f]) =>
      `${k} = ${JSON.stringify(f.value)}${f.experimentResult?.inExperiment ? ` (variation ${f.experimentResult.variationId})` : ''}`).join(', ') || 'none'}.`
    : '';
  $('[data-testid=consent-banner]').hidden = !!st.consent;
  $('[data-testid=consent-withdraw]').hidden = !st.syncAllowed;
  $('[data-testid=consent-accept-again]').hidden = !st.consent || st.syncAllowed || !store.sync.enabled;
  let text;
  if (!store.sync.enabled) text = `Storefront only: ${store.sync.reason || 'no sync server'}. Your profile stays in this browser.`;
  else if (st.erased) text = 'Your profile was erased on the server; nothing is synced.';
  else if (!st.consent) text = 'Not synced: nothing leaves this browser until you say yes.';
  else if (!st.syncAllowed) text = 'Not synced: you declined. Nothing leaves this browser.';
  else {
    const s = st.sync;
    text = `Synced to tailor-sync: ${s.acked} stored, ${s.duplicates} already there, ${st.pending} waiting` +
      (s.lastError && st.pending ? ` (retrying: ${s.lastError.code})` : '') + '.';
  }
  const el = $('[data-testid=sync-status]');
  el.textContent = text;
  el.dataset.allowed = String(st.syncAllowed);
  el.dataset.pending = String(st.pending);
}

function renderProfile() {
  const body = $('#profile-body');
  renderSync();
  let p;
  try {
    p = store.sdk.profile();
  } catch (err) {
    body.replaceChildren(h('div', { class: 'error' }, `The core could not compute the profile: ${err.message}`));
    return;
  }
  $('[data-testid=profile-json]').textContent = JSON.stringify(p, null, 2);
  $('[data-testid=personalized-switch]').checked = p.personalized;
  const counted = p.events?.counted ?? 0;
  const parts = [];
  if (store.lastError) parts.push(h('div', { class: 'error' }, store.lastError));
  if (!p.personalized) {
    parts.push(h('div', { class: 'off', 'data-testid': 'not-personalized' },
      h('strong', {}, 'Personalization is off. '),
      p.reason === 'no_consent' ? 'You declined personalization: recommendations are the same for everyone.'
        : 'The core keeps your events but uses none of them.'));
  } else {
    const intent = p.intent;
    parts.push(
      h('div', { class: 'stats' },
        h('div', { class: 'stat' }, h('b', { 'data-testid': 'lifecycle' }, p.lifecycle?.stage ?? '–'), h('span', {}, 'lifecycle')),
        h('div', { class: 'stat' }, h('b', { 'data-testid': 'events-counted' }, counted), h('span', {}, 'events')),
        h('div', { class: 'stat' }, h('b', {}, p.sessions?.count ?? 0), h('span', {}, 'sessions'))),
      h('h3', {}, 'Purchase intent (this session)'),
      intent
        ? [h('div', { class: 'intent-row' }, h('div', { class: 'meter' }, h('i', { style: `width:${Math.round(intent.score * 100)}%` })),
            h('b', { 'data-testid': 'intent-score' }, `${Math.round(intent.score * 100)}%`)),
          h('div', { class: 'muted' }, intent.parts.filter((x) => x.contribution !== 0).sort((a, b) => b.contribution - a.contribution).slice(0, 3)
            .map((x) => `${x.signal.replace(/_/g, ' ')} ${x.contribution > 0 ? '+' : ''}${x.contribution.toFixed(2)}`).join(' · '))]
        : h('p', { class: 'muted', 'data-testid': 'intent-score' }, 'No session yet.'),
      h('h3', {}, 'Segments'),
      p.segments?.length
        ? h('div', { class: 'chips', 'data-testid': 'segments' }, p.segments.map((s) => h('span', { class: 'chip segment', 'data-segment': s.id }, s.name || s.id, del('segment', s.id, s.name))))
        : h('p', { class: 'muted', 'data-testid': 'segments' }, 'Not in any segment yet.'),
      affinityBlock('category', 'Categories', p.affinities?.category),
      affinityBlock('brand', 'Brands', p.affinities?.brand),
      affinityBlock('price_band', 'Price bands', p.affinities?.price_band),
      affinityBlock('tag', 'Tags', p.affinities?.tag),
      p.recent_items?.length ? [h('h3', {}, 'Recently viewed'), h('div', { class: 'chips' }, p.recent_items.slice(0, 6).map((id) => {
        const it = store.byId.get(id);
        return h('a', { class: 'chip', href: it ? itemHref(it) : '#/' }, it ? it.title.split(',')[0] : id);
      }))] : null);
    if (!counted) parts.push(h('p', { class: 'muted' }, 'Browse a little: views, clicks, searches and basket changes show up here.'));
  }
  if (p.suppressed?.length) {
    parts.push(h('h3', {}, 'Deleted by you'), h('div', { class: 'chips', 'data-testid': 'suppressed' },
      p.suppressed.map((s) => h('span', { class: 'chip' }, `${s.kind}: ${s.key}`))));
  }
  body.replaceChildren(...parts.flat(Infinity).filter(Boolean));
}

// Copy slots: Liquid templates rendered by the core with the shopper's profile.
const TEMPLATES = {
  hero: '{% assign top = profile.affinities.category | first %}'
    + '{% if profile.personalized and top %}Welcome back. More {{ top.key | split: ">" | last }} below, picked for you'
    + ' from {{ page.products }} products.{% else %}{{ page.products }} products across {{ page.departments }} departments.'
    + ' Browse around: the panel on the right shows what Tailor learns, live.{% endif %}',
};

// ---- start
async function main() {
  const [catalogText, config, sync] = await Promise.all([
    fetch('/data/catalog.jsonl').then((r) => { if (!r.ok) throw new Error(`catalog: HTTP ${r.status}`); return r.text(); }),
    fetch('profile-config.json').then((r) => { if (!r.ok) throw new Error(`config: HTTP ${r.status}`); return r.text(); }),
    // Where tailor-sync is, and the public browser key (no shopper data in this request).
    fetch('/api/sync-config').then((r) => r.json()).catch(() => ({ enabled: false, reason: 'the demo backend did not answer' })),
  ]);
  store.items = catalogText.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  store.byId = new Map(store.items.map((it) => [it.id, it]));
  store.tree = buildTree(store.items);
  store.departments = [...new Set(store.items.map((it) => it.category[0]))];
  store.sync = sync;
  const post = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (r) => { const j = await r.json(); if (!r.ok) throw new Error(j.error?.message ?? j.error ?? `HTTP ${r.status}`); return j; });
  store.sdk = await TailorSDK.start({
    catalog: catalogText,
    config,
    // With tailor-sync: the bundle it serves (ETag-cached in IndexedDB); without: the file the demo built.
    bundle: sync.enabled ? { url: `${sync.url}/v1/bundle`, headers: { authorization: `Bearer ${sync.key}` } } : { url: '/data/bundle.bin' },
    server: sync.enabled ? { url: sync.url, key: sync.key, token: (uid) => post('/api/token', { uid }) } : undefined,
    onForget: async ({ uid, token }) => { await post('/api/forget', { uid, token: (await token()).token }); },
    templates: TEMPLATES,
    currency: 'GBP',
    retry: { baseMs: 500, maxMs: 10000 }, // the demo's server restarts quickly
    renderItem: renderRecommended,
    // Features and experiments: tailor-sync's config (GET /v1/config), evaluated by the core.
    experiments: sync.enabled ? true : undefined,
  });
  const sdk = store.sdk;
  window.tailorSdk = sdk; // for the console and the browser tests
  $('[data-testid=core-version]').textContent = `Core ${sdk.core.version()}.`;
  for (const type of ['track', 'profile', 'consent', 'pulled', 'erased', 'forgotten', 'identified', 'reset', 'settings']) sdk.addEventListener(type, queueProfile);
  sdk.addEventListener('warning', (e) => console.warn(`tailor: ${e.detail.what}: ${e.detail.message}`));
  sdk.addEventListener('rejected', (e) => {
    const r = e.detail.rejected[0];
    store.lastError = `${e.detail.rejected.length} event(s) rejected: ${r.code} ${r.message} (${r.where})`;
    queueProfile();
  });
  setInterval(renderSync, 1000); // queue and retry state
  store.cart = loadCart();
  renderCartCount();

  // The search itself is tracked by the SDK (data-tailor-search on the form).
  $('[data-testid=search-form]').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = e.target.q.value.trim().slice(0, 200);
    if (!q) return;
    location.hash = `#/s/${encodeURIComponent(q)}`;
  });
  $('[data-testid=personalized-switch]').addEventListener('change', (e) => sdk.setPersonalized(e.target.checked));
  $('[data-testid=reset-profile]').addEventListener('click', async () => {
    try {
      await sdk.forget();
    } catch (err) {
      store.lastError = `Could not erase the profile on the server: ${err.message}`;
      renderProfile();
      return;
    }
    localStorage.removeItem(KEYS.cart);
    location.hash = '#/';
    location.reload();
  });
  // Sign-in: the demo backend starts a session and hands out the user's shopper token; the
  // SDK merges the anonymous profile into the user's (here and, with consent, on tailor-sync).
  $('[data-testid=sign-in-form]').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const who = await post('/api/sign-in', { name: e.target.name.value });
      await sdk.identify(who.uid, who);
      store.lastError = '';
    } catch (err) {
      store.lastError = `Could not sign in: ${err.message}`;
    }
    render();
    renderProfile();
  });
  $('[data-testid=sign-out]').addEventListener('click', async () => {
    await post('/api/sign-out', {}).catch(() => {});
    await sdk.reset(); // a fresh anonymous shopper on this browser
    render();
    renderProfile();
  });
  window.addEventListener('hashchange', () => render());
  setInterval(renderProfile, 30000); // decay and session timing move with the clock
  render();
  renderProfile();
  document.documentElement.dataset.ready = 'true';
}

main().catch((err) => {
  console.error(err);
  $('#view').replaceChildren(h('div', { class: 'error', 'data-testid': 'load-error' }, `The demo could not start: ${err.message}`));
  $('#profile-body').replaceChildren(h('div', { class: 'error' }, 'The Tailor core is not running.'));
});
