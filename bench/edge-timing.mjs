// Timing helpers shared by the benches that drive a workerd worker over HTTP.

// POSTs body to url + path; the wall time in ms includes the worker's work and one loopback round trip.
export async function timedPost(url, path, body) {
  const t0 = performance.now();
  const res = await fetch(url + path, { method: 'POST', body });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return { text, ms };
}

export function medianAndMin(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[s.length >> 1], min: s[0] };
}

// A figure right-aligned in a column of 8.
export const column = (x) => x.toFixed(1).padStart(8);
