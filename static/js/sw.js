// The station's service worker (served at /sw.js, see packing/offline.py). When the network
// is flaky the station and the queue still load: their pages come from the network when it
// answers, else from the copy kept at the last visit; scripts, styles and the camera's
// reader come from the cache (their URLs carry a content hash, so a copy never goes stale).
// Scans are not its business: station.js keeps the ones that could not be sent.
// Kept pages show customers' names: they are dropped when the picker signs out.
const PAGES = "packing-pages-v1";
const ASSETS = "packing-assets-v1";
// A proxy's answers while the app is restarting or unreachable.
const UNREACHABLE = new Set([502, 503, 504]);
const scopePath = new URL(self.registration.scope).pathname;
const KEPT_PAGES = [`${scopePath}station/`, `${scopePath}queue/`];
const ASSET_PATH = `${scopePath}static/`;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

const isKeptPage = (url) => KEPT_PAGES.some((path) => url.pathname.startsWith(path));
const isAsset = (url) => url.pathname.startsWith(ASSET_PATH);

// The page tells which of its URLs to keep: the first visit loads them before this worker
// controls the page, so they never passed through it.
self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.keep) || [];
  event.waitUntil(Promise.all(urls.map((url) => keepIfMissing(new URL(url, self.location.href)))));
});

async function keepIfMissing(url) {
  if (url.origin !== self.location.origin || !(isKeptPage(url) || isAsset(url))) return;
  const cache = await caches.open(isAsset(url) ? ASSETS : PAGES);
  if (await cache.match(url.href, { ignoreVary: true })) return;
  try {
    const response = await fetch(url.href, { credentials: "same-origin" });
    if (worthKeeping(response)) await cache.put(url.href, response);
  } catch (error) {
    // Offline already: nothing to keep now; the next visit tries again.
  }
}

const worthKeeping = (response) => response.ok && response.type === "basic" && !response.redirected;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname.endsWith("/auth/logout")) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (isAsset(url)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && isKeptPage(url)) {
    event.respondWith(networkFirst(request));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(ASSETS);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (worthKeeping(response)) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (UNREACHABLE.has(response.status)) return (await cache.match(request, { ignoreVary: true })) || response;
    if (worthKeeping(response)) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}
