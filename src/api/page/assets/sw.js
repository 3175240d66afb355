/* village-ledger: the page's service worker. Keeps the page's files, and the answers of what
 * a person looked at (months, lines, thumbnails and receipt screens), so what was seen opens
 * again without a network; an answer served from here carries `x-vl-cached` with the time it
 * was saved, so the page can say so. Signing out deletes the saved answers. */
'use strict';
var VERSION = '__VERSION__';
var SHELL = 'vl-shell-' + VERSION;
var DATA = 'vl-data';
var ASSETS = __ASSETS__;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(['/'].concat(ASSETS));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf('vl-shell-') === 0 && n !== SHELL;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/** API answers worth keeping for offline reading: reads of the ledger, never tokens. */
function keepable(url) {
  if (url.pathname.indexOf('/api/v1/') !== 0) return false;
  if (/\/image$/.test(url.pathname)) {
    var size = url.searchParams.get('size');
    return size === 'thumb' || size === 'screen';
  }
  return /^\/api\/v1\/(villages|entries|accounts|log|questions|townships|receipts)\b/.test(url.pathname);
}

function stamped(response, saved) {
  var headers = new Headers(response.headers);
  headers.set('x-vl-cached', saved);
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      var headers = new Headers(copy.headers);
      headers.set('x-vl-saved', new Date().toISOString());
      copy.blob().then(function (body) {
        return caches.open(DATA).then(function (cache) {
          return cache.put(request.url, new Response(body, { status: copy.status, headers: headers }));
        });
      });
    }
    return response;
  }).catch(function (error) {
    return caches.open(DATA).then(function (cache) { return cache.match(request.url); }).then(function (hit) {
      if (!hit) throw error;
      return stamped(hit, hit.headers.get('x-vl-saved') || '');
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(SHELL).then(function (cache) { return cache.match('/'); });
    }));
  } else if (url.pathname.indexOf('/assets/') === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (keepable(url)) {
    event.respondWith(networkFirst(request));
  }
});
