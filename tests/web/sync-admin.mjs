// The tests' admin view of a running tailor-sync: its REST API with the admin key.
import assert from 'node:assert/strict';

/** One admin request; the answer's status, text and JSON (undefined when not JSON). */
export async function adminRequest(sync, method, path, body) {
  const res = await fetch(sync.url + path, {
    method,
    headers: { authorization: `Bearer ${sync.adminKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

/** Every event tailor-sync stored for a uid, following its watermark; null once erased (410). */
export async function storedEvents(sync, id) {
  const out = [];
  let since = 0;
  for (;;) {
    const r = await adminRequest(sync, 'GET', `/v1/profiles/${encodeURIComponent(id)}?since=${since}&profile=0&limit=5000`);
    if (r.status === 410) return null;
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.events);
    since = r.json.watermark;
    if (!r.json.has_more) return out;
  }
}
