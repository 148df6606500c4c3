// Her app's service worker: keeps the app's own files (never an alert, a token or a
// position) so that it opens on a flaky or absent connection and says it is reconnecting,
// instead of the browser's error page. Network first, so a new version of the daemon's
// files arrives as soon as the network does; the cache only when the network fails.
// Requests to the API (/v1/...) are never cached: they pass straight through.
const CACHE = 'planner-shell-v1';
const SHELL = [
  './',
  'index.html',
  'app.js',
  'app.css',
  'icon.svg',
  'manifest.webmanifest',
  'i18n/en.json',
  'i18n/ru.json',
  '../js/dom.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
      caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
      caches.keys()
          .then(
              (names) => Promise.all(
                  names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
          .then(() => self.clients.claim()));
});

function isShell(url) {
  if (url.origin !== self.location.origin) return false;
  return !url.pathname.startsWith('/v1/');
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || !isShell(url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, {ignoreSearch: true});
      if (cached) return cached;
      throw error;
    }
  })());
});
