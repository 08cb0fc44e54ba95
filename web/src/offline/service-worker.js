/**
 * The app's service worker: "everything works offline once loaded" (issue 18). On install it
 * stores every file of the build — pages, scripts, styles, TF.js's .wasm files, the MNIST subset
 * and the shipped model — in a cache named after the build, so a reload without a network still
 * finds them all. The build (web/src/offline/sw-plugin.ts) replaces BUILD below with the real file
 * list and a hash of their contents; a new build is a new cache, and the old one is deleted.
 *
 * Pages: network first (a redeployed site shows its new pages), the cache when offline. Everything
 * else: cache first (file names carry content hashes, and the data never changes within a build).
 * Cached responses keep their headers, COOP/COEP included, so pages stay cross-origin isolated
 * (and the library keeps its threads) offline too.
 */
const BUILD = { version: 'dev', files: [] };
const CACHE = `backprop-web-${BUILD.version}`;

self.addEventListener('install', (event) => {
  // All or nothing: a half-filled cache would fail offline later, so a failed install retries.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(BUILD.files.map((file) => new URL(file, self.registration.scope))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith('backprop-web-') && n !== CACHE).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** The folder itself is its index page. */
function cacheKey(request) {
  const url = new URL(request.url);
  if (url.pathname.endsWith('/')) url.pathname += 'index.html';
  url.search = '';
  url.hash = '';
  return url.href;
}

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  return cache.match(cacheKey(request), { ignoreVary: true });
}

/** Fetch, and keep a copy of anything of this app that the install did not list. */
async function fromNetwork(request) {
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(cacheKey(request), copy));
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Only this app's plain GETs; ranges and other origins go to the network untouched.
  if (request.method !== 'GET' || request.headers.has('range')) return;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fromNetwork(request).catch(async (error) => {
        const cached = await fromCache(request);
        if (cached) return cached;
        throw error;
      }),
    );
    return;
  }
  event.respondWith(fromCache(request).then((cached) => cached ?? fromNetwork(request)));
});
