// The demo storefront. The page renders the catalog and tracks what the
// visitor does; every profile number (affinities, segments, intent,
// lifecycle) comes from the Tailor core running as WebAssembly in this tab.
// The page never computes a personalization decision itself.
import { Tailor, TailorCore } from '/pkg/index.mjs';

const KEYS = { uid: 'tailor-demo.uid', state: 'tailor-demo.state', cart: 'tailor-demo.cart' };
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

// ---- the visitor: an anonymous id kept in this browser
function visitorId() {
  let uid = localStorage.getItem(KEYS.uid);
  if (!uid) {
    const b = crypto.getRandomValues(new Uint8Array(6));
    uid = `a-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
    localStorage.setItem(KEYS.uid, uid);
  }
  return uid;
}

const store = {
  items: [], byId: new Map(), tree: new Map(), departments: [],
  tailor: null, uid: '', seq: 0, cart: [], lastError: '', segmentsOff: '',
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

function saveState() {
  try {
    localStorage.setItem(KEYS.state, store.tailor.exportState());
  } catch (err) {
    console.warn('tailor demo: could not save the profile', err);
  }
}

// ---- tracking: build the event, hand it to the core, redraw the panel
function newEvent(type, fields) {
  const ts = Date.now();
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return { id: `w-${ts.toString(36)}-${rand}-${(store.seq++).toString(36)}`, type, ts, uid: store.uid, ...fields };
}

function track(...events) {
  const result = store.tailor.track(events, { now: Date.now() });
  store.lastError = result.rejected.length
    ? `${result.rejected.length} event(s) rejected: ${result.rejected[0].code} ${result.rejected[0].message} (${result.rejected[0].where})`
    : '';
  saveState();
  renderProfile();
  return result;
}

const impression = (slot, items) => items.length && track(newEvent('impression', { slot, item_ids: items.slice(0, 200).map((i) => i.id) }));

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

function card(it, slot) {
  const open = (e) => {
    e.preventDefault();
    track(newEvent('click', { item_id: it.id, slot }));
    location.hash = itemHref(it).slice(1);
  };
  const out = it.stock === 0;
  return h('article', { class: 'card', 'data-testid': 'product-card', 'data-item': it.id },
    h('a', { href: itemHref(it), onclick: open, 'data-testid': 'product-link' }, thumb(it)),
    h('div', { class: 'body' },
      it.brand ? h('div', { class: 'brand' }, it.brand) : null,
      h('a', { class: 'title', href: itemHref(it), onclick: open }, it.title),
      stars(it.attributes?.rating, it.attributes?.reviews),
      priceTag(it),
      out ? h('div', { class: 'oos' }, 'Out of stock') : null,
      h('button', { class: 'btn', type: 'button', disabled: out, 'data-testid': 'quick-add', onclick: () => addToCart(it, 1) }, out ? 'Sold out' : 'Add to basket')));
}

function grid(items, slot) {
  impression(slot, items);
  return h('div', { class: 'grid', 'data-testid': `grid-${slot}` }, items.map((it) => card(it, slot)));
}

function addToCart(it, quantity) {
  const line = store.cart.find((l) => l.item_id === it.id);
  if (line) line.quantity += quantity;
  else store.cart.push({ item_id: it.id, quantity });
  saveCart();
  track(newEvent('add_to_cart', { item_id: it.id, quantity }));
  renderCartCount();
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
    h('section', { class: 'hero' }, h('h1', {}, 'Things for living well'),
      h('p', {}, `${store.items.length.toLocaleString('en-GB')} products across ${store.departments.length} departments. Browse around: the panel on the right shows what Tailor learns, live.`)),
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
  track(newEvent('view', { item_id: it.id }));
  const sizes = it.attributes?.sizes?.split('|') ?? [];
  let qty = 1;
  const qtyOut = h('span', { 'data-testid': 'qty' }, '1');
  const setQty = (d) => { qty = Math.min(10, Math.max(1, qty + d)); qtyOut.textContent = String(qty); };
  const out = it.stock === 0;
  const similar = store.items.filter((x) => x.id !== it.id && x.category.join('>') === it.category.join('>')).slice(0, 6);
  const attrs = Object.entries(it.attributes ?? {}).filter(([k]) => !['sizes', 'was_price', 'rating', 'reviews'].includes(k));
  return [
    crumbs(it.category.join('>')),
    h('section', { class: 'detail', 'data-testid': 'product-detail', 'data-item': it.id },
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
          h('button', { class: 'btn', type: 'button', disabled: out, 'data-testid': 'add-to-cart', onclick: () => addToCart(it, qty) }, 'Add to basket')),
        h('dl', {}, attrs.map(([k, v]) => [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, v)])),
        it.tags?.length ? h('div', { class: 'chips' }, it.tags.map((t) => h('span', { class: 'chip' }, t))) : null)),
    similar.length ? [h('div', { class: 'section-title' }, h('h2', {}, `More in ${it.category.at(-1)}`)), grid(similar, 'pdp-similar')] : null,
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
    track(newEvent('remove_from_cart', { item_id: l.item_id, quantity: l.quantity }));
    renderCartCount();
    render();
  };
  const checkout = () => {
    const order = `o-${Date.now().toString(36)}`;
    track(newEvent('purchase', {
      order_id: order, currency: 'GBP',
      items: lines.map((l) => ({ item_id: l.item_id, quantity: l.quantity, price: l.item.price })),
    }));
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
    ],
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
    onclick: () => {
      store.tailor.deleteTag(kind, key);
      saveState();
      renderProfile();
    },
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

function renderProfile() {
  const body = $('#profile-body');
  let text;
  try {
    text = store.tailor.profileText({ now: Date.now() });
  } catch (err) {
    body.replaceChildren(h('div', { class: 'error' }, `The core could not compute the profile: ${err.message}`));
    return;
  }
  const p = JSON.parse(text);
  $('[data-testid=profile-json]').textContent = JSON.stringify(p, null, 2);
  $('[data-testid=personalized-switch]').checked = p.personalized;
  const counted = p.events?.counted ?? 0;
  const parts = [];
  if (store.lastError) parts.push(h('div', { class: 'error' }, store.lastError));
  if (!p.personalized) {
    parts.push(h('div', { class: 'off', 'data-testid': 'not-personalized' },
      h('strong', {}, 'Personalization is off. '),
      p.reason === 'no_consent' ? 'You declined personalization.' : 'The core keeps your events but uses none of them.'));
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
      store.segmentsOff ? h('p', { class: 'muted', 'data-testid': 'segments-off' }, store.segmentsOff) : null,
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

// ---- start
async function main() {
  store.uid = visitorId();
  const [catalogText, config] = await Promise.all([
    fetch('/data/catalog.jsonl').then((r) => { if (!r.ok) throw new Error(`catalog: HTTP ${r.status}`); return r.text(); }),
    fetch('profile-config.json').then((r) => { if (!r.ok) throw new Error(`config: HTTP ${r.status}`); return r.text(); }),
  ]);
  store.items = catalogText.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  store.byId = new Map(store.items.map((it) => [it.id, it]));
  store.tree = buildTree(store.items);
  store.departments = [...new Set(store.items.map((it) => it.category[0]))];
  const core = await TailorCore.load(); // one wasm instance for the page
  $('[data-testid=core-version]').textContent = `Core ${core.version()}.`;
  const saved = localStorage.getItem(KEYS.state);
  const load = async (cfg, state) => Tailor.load({ catalog: catalogText, config: cfg, state, wasm: core });
  let cfg = config;
  try {
    store.tailor = await load(cfg, saved ?? undefined);
  } catch (err) {
    if (err.code === 'invalid_condition') {
      // A core built without the condition module cannot evaluate segment rules.
      console.warn('tailor demo: segments disabled:', err.message);
      const c = JSON.parse(config);
      c.segments = [];
      cfg = JSON.stringify(c);
      store.segmentsOff = `Segments are off in this build: ${err.message}`;
    } else if (saved) {
      console.warn('tailor demo: the saved profile was unusable; starting afresh', err);
      localStorage.removeItem(KEYS.state);
    } else {
      throw err;
    }
    store.tailor = await load(cfg, err.code === 'invalid_condition' ? saved ?? undefined : undefined);
  }
  store.cart = loadCart();
  renderCartCount();

  $('[data-testid=search-form]').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = e.target.q.value.trim().slice(0, 200);
    if (!q) return;
    track(newEvent('search', { query: q }));
    location.hash = `#/s/${encodeURIComponent(q)}`;
  });
  $('[data-testid=personalized-switch]').addEventListener('change', (e) => {
    // The latest setting wins and "off" wins a tie, so each change gets a strictly later time.
    const settingTs = JSON.parse(store.tailor.exportState()).personalization?.ts ?? 0;
    store.tailor.setPersonalized(e.target.checked, { now: Math.max(Date.now(), settingTs + 1) });
    saveState();
    renderProfile();
  });
  $('[data-testid=reset-profile]').addEventListener('click', () => {
    for (const k of Object.values(KEYS)) localStorage.removeItem(k);
    location.hash = '#/';
    location.reload();
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
