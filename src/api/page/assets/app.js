/* village-ledger: the villagers' phone page. Plain JavaScript, no build step. Every ledger
 * string reaches the page through textContent (el() below), never as HTML. Tokens live in
 * localStorage and travel only in the Authorization header; receipt images are fetched with
 * the token and shown from blob: URLs. */
(function () {
  'use strict';

  var boot = JSON.parse(document.getElementById('boot').textContent);
  var TEXTS = boot.texts;
  var API = '/api/v1';
  var main = document.getElementById('main');
  var nav = document.getElementById('nav');
  var notice = document.getElementById('notice');
  var SESSION_KEY = 'vl.session';
  var generation = 0;
  var blobUrls = [];

  // ---- texts, numbers, dates ----------------------------------------------------------------
  function t(id, args) {
    var s = Object.prototype.hasOwnProperty.call(TEXTS, id) ? TEXTS[id] : id;
    if (args) Object.keys(args).forEach(function (k) { s = s.split('{' + k + '}').join(String(args[k])); });
    return s;
  }

  /** Integer fen → ¥1,234.50; integer arithmetic only. */
  function yuan(fen) {
    var negative = fen < 0, a = Math.abs(fen), whole = String(Math.floor(a / 100)), cents = a % 100;
    var grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (negative ? '-' : '') + '¥' + grouped + '.' + (cents < 10 ? '0' : '') + cents;
  }

  /** "1234.5" → 123450 fen, from the digits (no float); null when not an amount. */
  function toFen(text) {
    var m = /^\s*(\d{1,11})(?:\.(\d{1,2}))?\s*$/.exec(text);
    if (!m) return null;
    var cents = (m[2] || '').length === 1 ? Number(m[2]) * 10 : Number(m[2] || 0);
    return Number(m[1]) * 100 + cents;
  }

  function monthLabel(period) {
    var p = period.split('-');
    return boot.lang === 'en' ? period : p[0] + '年' + Number(p[1]) + '月';
  }

  function dateLabel(day) {
    var p = day.split('-');
    return boot.lang === 'en' ? day : p[0] + '年' + Number(p[1]) + '月' + Number(p[2]) + '日';
  }

  function lastDay(period) {
    var p = period.split('-').map(Number);
    return period + '-' + new Date(Date.UTC(p[0], p[1], 0)).getUTCDate();
  }

  // ---- DOM, never from HTML strings ----------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.indexOf('on') === 0) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }

  function show(title) {
    var nodes = Array.prototype.slice.call(arguments, 1);
    main.textContent = '';
    append(main, nodes);
    document.title = title ? title + ' · ' + t('title') : t('title');
  }

  function say(text, isError) {
    notice.hidden = !text;
    notice.textContent = text || '';
    notice.className = isError ? 'notice error' : 'notice';
  }

  function fields(pairs) {
    var dl = el('dl', { class: 'fields' });
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '') return;
      dl.appendChild(el('dt', { text: p[0] }));
      dl.appendChild(el('dd', null, p[1]));
    });
    return dl;
  }

  // ---- the session ---------------------------------------------------------------------------
  function session() {
    try { return JSON.parse(localStorage.getItem(SESSION_KEY) || 'null'); } catch (e) { return null; }
  }

  function claimsOf(jwt) {
    var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    var bin = atob(part + '==='.slice((part.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function keep(tokens) {
    var claims = claimsOf(tokens.access_token);
    localStorage.setItem(SESSION_KEY, JSON.stringify({
      access: tokens.access_token, refresh: tokens.refresh_token,
      user: { name: claims.sub, role: claims.role, village: claims.village || null, township: claims.township || null }
    }));
  }

  function forgetSeen() {
    blobUrls.forEach(function (u) { URL.revokeObjectURL(u); });
    blobUrls = [];
    return window.caches ? caches.delete('vl-data').catch(function () {}) : Promise.resolve();
  }

  // ---- the API -------------------------------------------------------------------------------
  function ApiError(status, detail) { this.status = status; this.detail = detail; }
  var refreshing = null;

  /** One refresh at a time: a refresh token works once, and a second use revokes them all. */
  function refreshTokens() {
    if (!refreshing) {
      var s = session();
      refreshing = (s ? fetch(API + '/auth/refresh', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: s.refresh })
      }) : Promise.reject(new ApiError(401, ''))).then(function (res) {
        if (!res.ok) throw new ApiError(401, '');
        return res.json().then(keep);
      }).finally(function () { refreshing = null; });
    }
    return refreshing;
  }

  function request(path, options, retried) {
    var s = session();
    var opts = options || {};
    var headers = Object.assign({}, opts.headers || {});
    if (s) headers.authorization = 'Bearer ' + s.access;
    return fetch(API + path, Object.assign({}, opts, { headers: headers })).then(function (res) {
      if (res.status === 401 && s && !retried) {
        return refreshTokens().then(function () { return request(path, options, true); }, function () {
          localStorage.removeItem(SESSION_KEY);
          forgetSeen();
          signInView(t('sessionEnded'));
          throw new ApiError(401, t('sessionEnded'));
        });
      }
      var saved = res.headers.get('x-vl-cached');
      if (saved !== null) {
        var when = saved ? new Date(saved).toLocaleString(boot.lang) : '';
        say(navigator.onLine === false ? t('offline') : t('cached', { time: when }));
      }
      return res;
    }, function () { throw new ApiError(0, t('networkError')); });
  }

  function problemOf(res) {
    return res.json().then(function (p) { return new ApiError(res.status, p.detail || p.title || String(res.status)); },
      function () { return new ApiError(res.status, String(res.status)); });
  }

  function getJson(path) {
    return request(path).then(function (res) {
      if (!res.ok) return problemOf(res).then(function (e) { throw e; });
      return res.json();
    });
  }

  function sendJson(method, path, body) {
    return request(path, { method: method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        if (!res.ok) return problemOf(res).then(function (e) { throw e; });
        return res.status === 204 ? null : res.json();
      });
  }

  /** A receipt rendition, fetched with the token, as a blob: URL. */
  function imageUrl(url) {
    return request(url.replace(/^\/api\/v1/, '')).then(function (res) {
      if (!res.ok) throw new ApiError(res.status, '');
      return res.blob();
    }).then(function (blob) {
      var u = URL.createObjectURL(blob);
      blobUrls.push(u);
      return u;
    });
  }

  var accountCache = {};
  function accountNames(year) {
    if (!accountCache[year]) {
      accountCache[year] = getJson('/accounts?year=' + year).then(function (chart) {
        var names = {};
        chart.accounts.forEach(function (a) { names[a.code] = boot.lang === 'en' ? a.name_en : a.name_zh; });
        return names;
      }, function () { delete accountCache[year]; return {}; });
    }
    return accountCache[year];
  }

  function failed(e) {
    if (e && e.status === 401) return;
    show('', el('p', { class: 'error', role: 'alert', text: e && e.status === 0 ? t('networkError') : t('errorDetail', { detail: (e && e.detail) || String(e) }) }));
  }

  // ---- routing -------------------------------------------------------------------------------
  function go(path, replace) {
    if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
    route();
  }

  document.addEventListener('click', function (event) {
    var a = event.target.closest ? event.target.closest('a') : null;
    if (!a || a.target || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (a.origin !== location.origin || a.pathname.indexOf('/api/') === 0 || a.pathname.indexOf('/docs') === 0 || a.hash && a.pathname === location.pathname) return;
    event.preventDefault();
    go(a.pathname + a.search);
  });
  window.addEventListener('popstate', route);

  function renderNav(s) {
    nav.textContent = '';
    if (!s) return;
    if (s.user.role === 'villager') nav.appendChild(el('a', { href: '/q', text: t('myQuestions') }));
    nav.appendChild(el('button', { type: 'button', text: t('signOut'), onclick: signOut }));
  }

  function route() {
    var mine = ++generation;
    var s = session();
    say('');
    renderNav(s);
    if (!s) { signInView(); return; }
    var p = location.pathname, m;
    var current = function () { return mine === generation; };
    var done = function (promise) { promise.then(function () { if (current()) main.focus({ preventScroll: true }); }, function (e) { if (current()) failed(e); }); };
    if (p === '/' || p === '/index.html') {
      if (s.user.role === 'villager' && s.user.village) go('/v/' + s.user.village, true);
      else go('/staff', true);
    } else if ((m = /^\/v\/(\d{12})\/?$/.exec(p))) done(villageView(m[1], current));
    else if ((m = /^\/v\/(\d{12})\/(\d{4}-\d{2})$/.exec(p))) done(monthView(m[1], m[2], current));
    else if ((m = /^\/v\/(\d{12})\/search$/.exec(p))) done(searchView(m[1], current));
    else if ((m = /^\/e\/([A-Za-z0-9_-]{1,80})$/.exec(p))) done(entryView(m[1], current));
    else if (p === '/q') done(questionsView(current));
    else if (p === '/staff') done(staffView(current));
    else if ((m = /^\/staff\/flags\/(\d{12})$/.exec(p))) done(flagsView(m[1], current));
    else if ((m = /^\/staff\/rounds\/([A-Za-z0-9_-]{1,80})$/.exec(p))) done(roundView(m[1], current));
    else show('', el('p', { text: t('notFound') }), el('a', { href: '/', text: t('home') }));
  }

  // ---- sign in, sign out ---------------------------------------------------------------------
  function signInView(message) {
    renderNav(null);
    var error = el('p', { class: 'error', role: 'alert' });
    var user = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' });
    var pass = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    var button = el('button', { class: 'btn', type: 'submit', text: t('signIn') });
    var form = el('form', { class: 'stack', onsubmit: function (event) {
      event.preventDefault();
      button.disabled = true; button.textContent = t('signingIn'); error.textContent = '';
      fetch(API + '/auth/token', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.value.trim(), password: pass.value })
      }).then(function (res) {
        if (!res.ok) return problemOf(res).then(function (e) { throw e; });
        return res.json();
      }).then(function (tokens) {
        return forgetSeen().then(function () { keep(tokens); go('/', true); });
      }).catch(function (e) {
        error.textContent = e instanceof ApiError && e.status ? e.detail : t('networkError');
        button.disabled = false; button.textContent = t('signIn');
      });
    } },
      el('label', { for: 'username' }, t('username'), user),
      el('label', { for: 'password' }, t('password'), pass),
      button, error);
    show(t('signIn'), el('h1', { text: t('signInTitle') }), message ? el('p', { class: 'muted', role: 'status', text: message }) : null, el('div', { class: 'card' }, form));
  }

  function signOut() {
    var s = session();
    var revoke = s ? fetch(API + '/auth/logout', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: s.refresh })
    }).catch(function () {}) : Promise.resolve();
    localStorage.removeItem(SESSION_KEY);
    accountCache = {};
    return Promise.all([revoke, forgetSeen()]).then(function () {
      history.replaceState(null, '', '/');
      signInView(t('signedOut'));
    });
  }

  // ---- a village: balances and months -------------------------------------------------------
  function villageView(code, current) {
    var params = new URLSearchParams(location.search);
    return Promise.all([getJson('/villages/' + code), getJson('/villages/' + code + '/periods')]).then(function (r) {
      var village = r[0], closed = {};
      r[1].forEach(function (p) { closed[p.period] = p; });
      var first = Number(village.opening_date.slice(0, 4)), thisYear = new Date().getFullYear();
      var year = Number(params.get('year')) || thisYear;
      if (year < first || year > thisYear) year = thisYear;
      return getJson('/villages/' + code + '/summary?year=' + year).then(function (summary) {
        if (!current()) return;
        var years = el('nav', { class: 'yearbar', 'aria-label': t('year') });
        for (var y = thisYear; y >= first; y--) {
          years.appendChild(el('a', { href: '/v/' + code + '?year=' + y, 'aria-current': y === year ? 'page' : null, text: String(y) }));
        }
        var months = el('ul', { class: 'list' });
        summary.by_month.slice().reverse().forEach(function (m) {
          if (!m.income_count && !m.expense_count) return;
          var c = closed[m.period];
          var size = c && c.checkpoint ? c.checkpoint.split('\n')[1] : null;
          months.appendChild(el('li', null, el('a', { class: 'row', href: '/v/' + code + '/' + m.period },
            el('span', { class: 'grow' },
              el('span', { class: 'title' }, monthLabel(m.period), ' ',
                el('span', { class: c ? 'pill published' : 'pill', text: c ? t('published') : t('notClosed') })),
              el('span', { class: 'sub', text: t('income') + ' ' + yuan(m.income_fen) + ' · ' + t('count', { count: m.income_count }) }),
              el('span', { class: 'sub', text: t('expense') + ' ' + yuan(m.expense_fen) + ' · ' + t('count', { count: m.expense_count }) }),
              size ? el('span', { class: 'sub', text: t('checkpointSize', { size: size }) }) : null)
          )));
        });
        show(village.name,
          el('h1', { text: village.name }),
          el('p', { class: 'muted', text: village.township.name + (village.latest_closed_period ? ' · ' + t('latestClosed', { month: monthLabel(village.latest_closed_period) }) : '') }),
          el('h2', { text: t('balances') }),
          el('div', { class: 'balances' },
            el('div', { class: 'card' }, el('div', { class: 'muted', text: t('cash') }), el('div', { class: 'figure', text: yuan(village.cash_balance_fen) })),
            el('div', { class: 'card' }, el('div', { class: 'muted', text: t('bank') }), el('div', { class: 'figure', text: yuan(village.bank_balance_fen) }))),
          el('p', null, el('a', { class: 'btn secondary', href: '/v/' + code + '/search', text: t('searchTitle') })),
          el('h2', { text: t('months') }),
          years,
          months.childNodes.length ? months : el('p', { class: 'muted', text: t('noMonths') }));
      });
    });
  }

  // ---- line items: a month, a search --------------------------------------------------------
  var thumbQueue = [], thumbsLoading = 0;
  var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (items) {
    items.forEach(function (item) {
      if (item.isIntersecting) { observer.unobserve(item.target); thumbQueue.push(item.target); }
    });
    pumpThumbs();
  }, { rootMargin: '200px' }) : null;

  function pumpThumbs() {
    while (thumbsLoading < 2 && thumbQueue.length) {
      var slot = thumbQueue.shift();
      if (!slot.isConnected) continue;
      thumbsLoading++;
      loadThumb(slot).finally(function () { thumbsLoading--; pumpThumbs(); });
    }
  }

  function loadThumb(slot) {
    return getJson('/entries/' + slot.getAttribute('data-entry')).then(function (entry) {
      var receipt = (entry.receipts || []).filter(function (r) { return !r.withdrawn; })[0];
      if (!receipt) return null;
      return imageUrl(receipt.urls.thumb).then(function (u) {
        if (!slot.isConnected) return;
        var img = el('img', { class: 'thumb', src: u, alt: t('thumbAlt', { counterparty: entry.counterparty }), width: 56, height: 56 });
        slot.replaceWith(img);
      });
    }).catch(function () {});
  }

  function entryRow(e, names) {
    var reversal = !!e.reverses;
    var thumb = null;
    if (e.receipt_count > 0) {
      thumb = el('span', { class: 'thumb', 'data-entry': e.id, 'aria-hidden': 'true' });
      if (observer) observer.observe(thumb); else { thumbQueue.push(thumb); }
    }
    var amount = (e.direction === 'income' ? '+' : '') + yuan(e.amount_fen);
    var li = el('li', { class: reversal ? 'redink' : null },
      el('a', { class: 'row', href: '/e/' + e.id },
        thumb,
        el('span', { class: 'grow' },
          el('span', { class: 'title' }, e.counterparty, reversal ? el('span', { class: 'tag', text: t('reversal') }) : null,
            e.reversed_by ? el('span', { class: 'tag', text: t('reversedBy') }) : null),
          el('span', { class: 'sub', text: dateLabel(e.occurred_on) + ' · ' + e.description }),
          el('span', { class: 'sub', text: (names[e.account_code] || e.account_code) + ' · ' + t('voucher') + ' ' + e.voucher_no })),
        el('span', { class: 'amt' + (e.direction === 'income' ? ' in' : ''), text: amount })));
    if (reversal) li.appendChild(el('p', { class: 'sub' }, el('a', { href: '/e/' + e.reverses, text: t('reverses') })));
    if (e.reversed_by) li.appendChild(el('p', { class: 'sub' }, el('a', { href: '/e/' + e.reversed_by, text: t('seeReversal') })));
    return li;
  }

  /** A list of line items with "load more", from `query` (without cursor). */
  function entryList(code, query, year, current) {
    var list = el('ul', { class: 'list' });
    var pager = el('div', { class: 'pager' });
    var holder = el('div', null, list, pager);
    function page(cursor) {
      var q = query + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      return Promise.all([getJson('/villages/' + code + '/entries?' + q), accountNames(year)]).then(function (r) {
        if (!current()) return;
        r[0].items.forEach(function (e) { list.appendChild(entryRow(e, r[1])); });
        pager.textContent = '';
        if (r[0].next_cursor) {
          pager.appendChild(el('button', { class: 'btn secondary', type: 'button', text: t('more'), onclick: function () { page(r[0].next_cursor).catch(failed); } }));
        }
        if (!list.childNodes.length) pager.appendChild(el('p', { class: 'muted', text: t('noEntries') }));
      });
    }
    return page(null).then(function () { return holder; });
  }

  function monthView(code, period, current) {
    var query = 'from=' + period + '-01&to=' + lastDay(period) + '&limit=50';
    return Promise.all([getJson('/villages/' + code), entryList(code, query, Number(period.slice(0, 4)), current)]).then(function (r) {
      if (!current()) return;
      var title = t('monthTitle', { month: monthLabel(period) });
      show(title, el('p', null, el('a', { href: '/v/' + code + '?year=' + period.slice(0, 4), text: '‹ ' + r[0].name })), el('h1', { text: title }), r[1]);
    });
  }

  function searchView(code, current) {
    var params = new URLSearchParams(location.search);
    var input = function (name, label, type) {
      return el('label', { for: 's-' + name }, label, el('input', { id: 's-' + name, name: name, type: type || 'text', value: params.get(name) || '', inputmode: name.indexOf('yuan') > 0 ? 'decimal' : null }));
    };
    var direction = el('select', { id: 's-direction', name: 'direction' },
      el('option', { value: '', text: t('directionAny') }),
      el('option', { value: 'income', text: t('income') }),
      el('option', { value: 'expense', text: t('expense') }));
    direction.value = params.get('direction') || '';
    var error = el('p', { class: 'error', role: 'alert' });
    var form = el('form', { class: 'stack', role: 'search', onsubmit: function (event) {
      event.preventDefault();
      var data = new FormData(form), out = new URLSearchParams();
      var bad = false;
      data.forEach(function (v, k) {
        v = String(v).trim();
        if (!v) return;
        if ((k === 'min_yuan' || k === 'max_yuan') && toFen(v) === null) bad = true;
        out.set(k, v);
      });
      if (bad) { error.textContent = t('badAmount'); return; }
      go('/v/' + code + '/search?' + out.toString());
    } },
      input('q', t('searchText'), 'search'),
      el('label', { for: 's-direction' }, t('direction'), direction),
      el('div', { class: 'grid2' }, input('min_yuan', t('minYuan')), input('max_yuan', t('maxYuan'))),
      el('div', { class: 'grid2' }, input('from', t('fromDate'), 'date'), input('to', t('toDate'), 'date')),
      el('button', { class: 'btn', type: 'submit', text: t('search') }), error);
    var query = new URLSearchParams();
    ['q', 'direction', 'from', 'to'].forEach(function (k) { if (params.get(k)) query.set(k, params.get(k)); });
    var min = params.get('min_yuan') && toFen(params.get('min_yuan')), max = params.get('max_yuan') && toFen(params.get('max_yuan'));
    if (min) query.set('min_fen', min);
    if (max) query.set('max_fen', max);
    query.set('limit', '50');
    var searched = Array.from(query.keys()).length > 1;
    var year = Number((params.get('to') || params.get('from') || String(new Date().getFullYear())).slice(0, 4));
    return Promise.all([getJson('/villages/' + code), searched ? entryList(code, query.toString(), year, current) : null]).then(function (r) {
      if (!current()) return;
      show(t('searchTitle'), el('p', null, el('a', { href: '/v/' + code, text: '‹ ' + r[0].name })), el('h1', { text: t('searchTitle') }),
        el('div', { class: 'card' }, form), r[1] ? [el('h2', { text: t('results') }), r[1]] : null);
    });
  }

  // ---- one line: receipts, invoice, proof, questions ----------------------------------------
  function lineFields(e, names) {
    return fields([
      [t('date'), dateLabel(e.occurred_on)],
      [t('amount'), el('span', { class: 'amt' + (e.amount_fen < 0 ? ' redink' : ''), text: yuan(e.amount_fen) })],
      [t('direction'), e.direction === 'income' ? t('income') : t('expense')],
      [t('counterparty'), e.counterparty],
      [t('description'), e.description],
      [t('account'), (names[e.account_code] || '') + ' ' + e.account_code],
      [t('settlement'), (names[e.settlement_account_code] || '') + ' ' + e.settlement_account_code],
      [t('project'), e.project],
      [t('fundSource'), e.fund_source],
      [t('tenderRef'), e.tender_ref],
      [t('voucher'), e.voucher_no],
      [t('postedBy'), e.posted_by],
      [t('reversalReason'), e.reversal_reason]
    ]);
  }

  function entryView(id, current) {
    return getJson('/entries/' + id).then(function (entry) {
      return accountNames(entry.fiscal_year).then(function (names) {
        if (!current()) return;
        var line = el('section', { class: 'card', 'aria-labelledby': 'line-title' },
          el('h2', { id: 'line-title', text: entry.counterparty }), lineFields(entry, names));
        var badge = el('div', { class: 'badge checking', role: 'status', 'aria-live': 'polite' }, el('strong', { text: t('proofChecking') }));
        var links = [];
        if (entry.reverses) links.push(el('p', { class: 'redink' }, el('span', { class: 'tag', text: t('reversal') }), ' ', el('a', { href: '/e/' + entry.reverses, text: t('reverses') })));
        if (entry.reversed_by) links.push(el('p', { class: 'redink' }, t('reversedBy'), ' ', el('a', { href: '/e/' + entry.reversed_by, text: t('seeReversal') })));
        show(entry.counterparty,
          el('p', null, el('a', { href: '/v/' + entry.village_code + '/' + entry.period, text: '‹ ' + monthLabel(entry.period) })),
          el('h1', { class: entry.reverses ? 'redink' : null, text: yuan(entry.amount_fen) + ' · ' + entry.description }),
          links, badge, line, receiptsSection(entry), questionSection(entry));
        checkProof(entry, names, badge, line, current);
      });
    });
  }

  function checkProof(entry, names, badge, line, current) {
    var set = function (state, title, detail) {
      badge.className = 'badge ' + state;
      badge.textContent = '';
      badge.appendChild(el('strong', { text: title }));
      if (detail) badge.appendChild(el('span', { text: detail }));
      badge.setAttribute('data-state', state);
    };
    if (!window.VLVerify || !window.VLVerify.supported()) {
      set('unsupported', t('proofUnsupported'), t('proofUnsupportedDetail'));
      return;
    }
    request('/entries/' + entry.id + '/proof').then(function (res) {
      if (res.status === 409) return { state: 'pending' };
      if (!res.ok) return { state: 'unavailable' };
      return res.json().then(function (answer) { return window.VLVerify.verifyEntryProof(answer, boot.key, entry.id); });
    }).then(function (r) {
      if (!current()) return;
      if (r.state === 'verified') {
        set('verified', t('proofVerified'), t('proofVerifiedDetail', { size: r.size }));
        // The line as logged: what the proof covers, not the API's second answer.
        line.textContent = '';
        line.appendChild(el('h2', { id: 'line-title', text: t('provenTitle') + ' · ' + r.leaf.counterparty }));
        line.appendChild(lineFields(r.leaf, names));
        line.setAttribute('data-source', 'leaf');
      } else if (r.state === 'failed') {
        var reasons = { signature: 'reasonSignature', root: 'reasonRoot', leaf: 'reasonLeaf', format: 'reasonFormat' };
        set('failed', t('proofFailed'), t('proofFailedDetail', { reason: t(reasons[r.reason] || 'reasonFormat') }));
        badge.setAttribute('role', 'alert');
      } else if (r.state === 'pending') set('pending', t('proofPending'), t('proofPendingDetail'));
      else if (r.state === 'unsupported') set('unsupported', t('proofUnsupported'), t('proofUnsupportedDetail'));
      else set('pending', t('proofUnavailable'), '');
    }, function () { if (current()) set('pending', t('proofUnavailable'), ''); });
  }

  function receiptsSection(entry) {
    var receipts = entry.receipts || [];
    var section = el('section', { 'aria-labelledby': 'receipts-title' }, el('h2', { id: 'receipts-title', text: t('receipts') }));
    if (!receipts.length) { section.appendChild(el('p', { class: 'muted', text: t('noReceipts') })); return section; }
    section.appendChild(el('p', { class: 'muted', text: t('zoomHint') }));
    var strip = el('div', { class: 'strip' });
    var urls = [];
    receipts.forEach(function (r, i) {
      var caption = t('receiptOf', { n: i + 1, total: receipts.length });
      var button = el('button', { type: 'button', 'aria-label': caption, onclick: function () { if (urls[i]) viewer(urls, i); } });
      var figure = el('figure', null, button, el('figcaption', null, caption, r.withdrawn ? [' · ', el('span', { class: 'error', text: t('withdrawn', { reason: r.withdrawn.reason }) })] : null));
      strip.appendChild(figure);
      imageUrl(r.urls.screen).then(function (u) {
        urls[i] = u;
        button.appendChild(el('img', { src: u, alt: t('receiptAlt', { n: i + 1 }), width: r.width, height: r.height, loading: 'lazy', decoding: 'async' }));
      }).catch(function () {});
      if (r.invoice) figure.appendChild(invoiceFields(r.invoice, entry));
    });
    section.appendChild(strip);
    return section;
  }

  function invoiceFields(inv, entry) {
    var differs = inv.amount_fen !== Math.abs(entry.amount_fen);
    return el('div', { class: 'card' }, el('strong', { text: t('invoice') }), fields([
      [t('invoiceCode'), inv.invoice_code],
      [t('invoiceNumber'), inv.invoice_number],
      [t('invoiceAmount'), el('span', { class: differs ? 'error' : null }, yuan(inv.amount_fen), differs ? ' · ' + t('invoiceDiffers') : '')],
      [t('invoiceDate'), inv.issued_on ? dateLabel(inv.issued_on) : null],
      [t('checkCode'), inv.check_code]
    ]));
  }

  /** Full-screen receipts: pinch or buttons to zoom, drag to pan, swipe for the next. */
  function viewer(urls, start) {
    var index = start, scale = 1, x = 0, y = 0, pointers = {}, pinch = null, swipe = null, opener = document.activeElement;
    var img = el('img', { alt: '' });
    var label = el('span');
    var stage = el('div', { class: 'stage' }, img);
    function paint() { img.style.transform = 'translate(' + x + 'px,' + y + 'px) scale(' + scale + ')'; }
    function open(i) {
      index = (i + urls.length) % urls.length; scale = 1; x = 0; y = 0; paint();
      img.src = urls[index] || '';
      img.alt = t('receiptAlt', { n: index + 1 });
      label.textContent = t('receiptOf', { n: index + 1, total: urls.length });
    }
    function close() { document.removeEventListener('keydown', keys); box.remove(); if (opener && opener.focus) opener.focus(); }
    function keys(e) { if (e.key === 'Escape') close(); else if (e.key === 'ArrowRight') open(index + 1); else if (e.key === 'ArrowLeft') open(index - 1); }
    var closeButton = el('button', { type: 'button', text: t('close'), onclick: close });
    var box = el('div', { class: 'viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('receipts') },
      el('div', { class: 'tools' }, closeButton, label,
        urls.length > 1 ? el('span', null, el('button', { type: 'button', text: t('previous'), onclick: function () { open(index - 1); } }), ' ',
          el('button', { type: 'button', text: t('next'), onclick: function () { open(index + 1); } })) : null),
      stage);
    stage.addEventListener('pointerdown', function (e) {
      stage.setPointerCapture(e.pointerId);
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), scale: scale }; swipe = null;
      } else if (ids.length === 1) swipe = { x: e.clientX, y: e.clientY, ox: x, oy: y };
    });
    stage.addEventListener('pointermove', function (e) {
      if (!pointers[e.pointerId]) return;
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      var ids = Object.keys(pointers);
      if (pinch && ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        scale = Math.min(6, Math.max(1, pinch.scale * Math.hypot(a.x - b.x, a.y - b.y) / pinch.d)); paint();
      } else if (swipe && scale > 1) { x = swipe.ox + e.clientX - swipe.x; y = swipe.oy + e.clientY - swipe.y; paint(); }
    });
    function up(e) {
      if (swipe && scale === 1 && Math.abs(e.clientX - swipe.x) > 50) open(index + (e.clientX < swipe.x ? 1 : -1));
      delete pointers[e.pointerId];
      if (Object.keys(pointers).length < 2) pinch = null;
      swipe = null;
    }
    stage.addEventListener('pointerup', up);
    stage.addEventListener('pointercancel', up);
    stage.addEventListener('dblclick', function () { scale = scale > 1 ? 1 : 2.5; x = 0; y = 0; paint(); });
    document.addEventListener('keydown', keys);
    document.body.appendChild(box);
    open(start);
    closeButton.focus();
  }

  var STATUS = { open: 'statusOpen', answered: 'statusAnswered', accepted: 'statusAccepted', escalated: 'statusEscalated' };

  function questionItem(q, withLink) {
    return el('li', { class: 'card' },
      el('strong', null, t(q.kind === 'report' ? 'kindReportShort' : 'kindQuestionShort'), ' ',
        el('span', { class: 'pill', 'data-status': q.status, text: t(STATUS[q.status] || 'statusOpen') })),
      el('p', { class: 'muted', text: t('filedAt', { date: new Date(q.filed_at).toLocaleString(boot.lang) }) }),
      el('p', { class: 'qtext', text: q.text }),
      q.answer ? el('p', { class: 'qtext' }, el('strong', { text: t('answer') + ':' }), q.answer) : null,
      withLink ? el('a', { href: '/e/' + q.entry_id, text: t('openLine') }) : null);
  }

  function mineOn(entryId, list) {
    return getJson('/questions?mine=true&limit=200').then(function (page) {
      list.textContent = '';
      page.items.filter(function (q) { return q.entry_id === entryId; }).forEach(function (q) { list.appendChild(questionItem(q, false)); });
    }).catch(function () {});
  }

  function questionSection(entry) {
    var s = session();
    if (!s || s.user.role !== 'villager') return null;
    var list = el('ul', { class: 'list', 'aria-label': t('onThisLine') });
    var kind = el('select', { id: 'q-kind', name: 'kind' },
      el('option', { value: 'question', text: t('kindQuestion') }), el('option', { value: 'report', text: t('kindReport') }));
    var text = el('textarea', { id: 'q-text', name: 'text', required: true, maxlength: 2000 });
    var status = el('p', { role: 'status' });
    var button = el('button', { class: 'btn', type: 'submit', text: t('send') });
    var form = el('form', { class: 'stack', onsubmit: function (event) {
      event.preventDefault();
      button.disabled = true; button.textContent = t('sending'); status.textContent = ''; status.className = '';
      sendJson('POST', '/entries/' + entry.id + '/questions', { kind: kind.value, text: text.value }).then(function () {
        text.value = ''; status.textContent = t('sent');
        return mineOn(entry.id, list);
      }, function (e) { status.className = 'error'; status.textContent = e.detail || t('networkError'); })
        .finally(function () { button.disabled = false; button.textContent = t('send'); });
    } },
      el('label', { for: 'q-kind' }, t('kind'), kind),
      el('label', { for: 'q-text' }, t('questionText'), text),
      button, status);
    mineOn(entry.id, list);
    return el('section', { 'aria-labelledby': 'ask-title' },
      el('h2', { id: 'ask-title', text: t('ask') }), el('div', { class: 'card' }, form),
      el('h2', { text: t('onThisLine') }), list);
  }

  function questionsView(current) {
    return getJson('/questions?mine=true&limit=200').then(function (page) {
      if (!current()) return;
      var list = el('ul', { class: 'list' });
      page.items.forEach(function (q) { list.appendChild(questionItem(q, true)); });
      show(t('myQuestions'), el('h1', { text: t('myQuestions') }), page.items.length ? list : el('p', { class: 'muted', text: t('noQuestions') }));
    });
  }

  // ---- staff: read-only views ----------------------------------------------------------------
  function staffView(current) {
    var s = session();
    var roundsOf = s.user.role === 'admin' || s.user.role === 'inspector' ? getJson('/inspections').catch(function () { return []; }) : Promise.resolve([]);
    return Promise.all([getJson('/townships'), roundsOf]).then(function (r) {
      return Promise.all(r[0].map(function (tw) { return getJson('/townships/' + tw.code + '/villages').catch(function () { return []; }); })).then(function (villages) {
        if (!current()) return;
        // Inspectors read the flags of their rounds; a clerk reads none.
        var flagsToo = s.user.role === 'admin' || s.user.role === 'discipline';
        var body = [el('h1', { text: t('staffTitle') }), el('p', { class: 'muted', text: t('readOnly') })];
        if (r[1].length) {
          var rounds = el('ul', { class: 'list' });
          // Open rounds first, then the newest.
          r[1].slice().sort(function (a, b) { return (b.open - a.open) || (a.starts_on < b.starts_on ? 1 : a.starts_on > b.starts_on ? -1 : 0); }).forEach(function (round) {
            rounds.appendChild(el('li', null, el('a', { class: 'row', href: '/staff/rounds/' + round.id },
              el('span', { class: 'grow' }, el('span', { class: 'title' }, round.name, ' ', roundPill(round)),
                el('span', { class: 'sub', text: dateLabel(round.starts_on) + ' – ' + dateLabel(round.ends_on) })))));
          });
          body.push(el('h2', { text: t('rounds') }), rounds);
        }
        r[0].forEach(function (tw, i) {
          var list = el('ul', { class: 'list' });
          villages[i].forEach(function (v) { list.appendChild(el('li', null, el('a', { class: 'row', href: '/v/' + v.code }, el('span', { class: 'grow title', text: v.name }), el('span', { class: 'sub', text: v.code })))); });
          body.push(el('h2', { text: t('villagesOf', { township: tw.name }) }), list);
          if (flagsToo) body.push(el('p', null, el('a', { href: '/staff/flags/' + tw.code, text: t('flags') + ' · ' + tw.name })));
        });
        show(t('staffTitle'), body);
      });
    });
  }

  /** Names in a list, as the language writes one. */
  function listOf(names) {
    return names.join(boot.lang === 'en' ? ', ' : '、');
  }

  function roundPill(round) {
    return el('span', { class: round.open ? 'pill published' : 'pill', text: round.open ? t('roundOpen') : t('roundClosed') });
  }

  function ruleName(rule) {
    var id = 'rule_' + rule;
    return Object.prototype.hasOwnProperty.call(TEXTS, id) ? t(id) : rule;
  }

  var SEVERITY = { high: 'severityHigh', medium: 'severityMedium', low: 'severityLow' };

  /** A flag's place: its village, else its township (by name when `townships` has it). */
  function flagCard(f, townships) {
    var place = f.village_name || (f.township_code && (townships[f.township_code] || f.township_code)) || '';
    return el('li', { class: 'card', 'data-rule': f.rule },
      el('strong', null, place + ' ', el('span', { class: 'pill', 'data-severity': f.severity, text: t(SEVERITY[f.severity] || 'severityLow') })),
      f.occurred_on ? el('span', { class: 'sub muted', text: ' · ' + dateLabel(f.occurred_on) }) : null,
      el('p', { class: 'qtext', text: f.explanation }),
      f.entry_ids.length ? el('p', null, f.entry_ids.slice(0, 10).map(function (id, i) { return [i ? ' · ' : '', el('a', { href: '/e/' + id, text: t('openLine') + ' ' + (i + 1) })]; })) : null);
  }

  /** The rules of a report in the order of their most severe flag (the API lists flags by
   *  severity), then those flagged only past the page by count. */
  function rulesOf(report) {
    var order = [];
    report.flags.forEach(function (f) { if (order.indexOf(f.rule) < 0) order.push(f.rule); });
    var rest = Object.keys(report.counts).filter(function (r) { return report.counts[r] > 0 && order.indexOf(r) < 0; });
    return order.concat(rest.sort(function (a, b) { return report.counts[b] - report.counts[a]; }));
  }

  /** A report's flags under one heading per rule. */
  function flagsByRule(report, headingId, townships) {
    var groups = {};
    report.flags.forEach(function (f) { (groups[f.rule] = groups[f.rule] || []).push(f); });
    return rulesOf(report).filter(function (rule) { return groups[rule]; }).map(function (rule) {
      var list = el('ul', { class: 'list' });
      groups[rule].forEach(function (f) { list.appendChild(flagCard(f, townships)); });
      var shown = groups[rule].length, total = report.counts[rule] || shown;
      return el('section', { id: headingId + '-' + rule, 'aria-label': ruleName(rule) },
        el('h3', null, ruleName(rule), ' ', el('span', { class: 'pill', text: String(total) })),
        shown < total ? el('p', { class: 'muted', text: t('shownOf', { shown: shown, total: total }) }) : null,
        list);
    });
  }

  /** The rules that flagged something, each a link that lists only its flags. */
  function ruleFilter(report, base, chosen) {
    var bar = el('nav', { class: 'yearbar', 'aria-label': t('byRule') },
      el('a', { href: base, 'aria-current': chosen ? null : 'page', text: t('allRules') }));
    var rules = rulesOf(report);
    if (chosen && rules.indexOf(chosen) < 0) rules.push(chosen);
    rules.forEach(function (rule) {
      bar.appendChild(el('a', { href: base + '?rule=' + encodeURIComponent(rule), 'aria-current': rule === chosen ? 'page' : null, text: ruleName(rule) + ' ' + (report.counts[rule] || 0) }));
    });
    return bar;
  }

  function flagsView(township, current) {
    return getJson('/crosscheck/flags?township=' + township + '&limit=200').then(function (report) {
      if (!current()) return;
      show(t('flags'), el('p', null, el('a', { href: '/staff', text: '‹ ' + t('staffTitle') })), el('h1', { text: t('flags') }),
        report.flags.length ? flagsByRule(report, 'flags', {}) : el('p', { class: 'muted', text: t('noFlags') }));
    });
  }

  /** An inspection round: its window, its townships and villages, its findings so far and the
   *  red flags over its villages by rule (all of them, or one rule's). */
  function roundView(id, current) {
    var s = session();
    var chosen = new URLSearchParams(location.search).get('rule');
    return getJson('/inspections/' + id).then(function (round) {
      var readsFlags = round.open || s.user.role === 'admin';
      var flagsUrl = '/crosscheck/flags?inspection=' + encodeURIComponent(id) + '&limit=200' + (chosen ? '&rules=' + encodeURIComponent(chosen) : '');
      return Promise.all([
        getJson('/townships').catch(function () { return []; }),
        getJson('/inspections/' + id + '/progress').catch(function () { return null; }),
        Promise.all(round.villages.map(function (v) { return getJson('/villages/' + v).catch(function () { return { code: v, name: v }; }); })),
        readsFlags ? getJson(flagsUrl) : Promise.resolve(null)
      ]).then(function (r) {
        if (!current()) return;
        var names = {};
        r[0].forEach(function (tw) { names[tw.code] = tw.name; });
        var progress = r[1], report = r[3], base = '/staff/rounds/' + id;
        var where = fields([
          [t('roundWindow'), dateLabel(round.starts_on) + ' – ' + dateLabel(round.ends_on)],
          [t('roundTownships'), listOf(round.townships.map(function (c) { return names[c] || c; }))],
          [t('roundVillages'), listOf(r[2].map(function (v) { return v.name; }))],
          [t('roundInspectors'), listOf(round.inspectors)],
          [t('roundFindings'), progress ? String(progress.total.findings) : null],
          [t('roundChecklist'), progress && progress.total.items ? t('checklistMarked', { marked: progress.total.items - progress.total.unmarked, items: progress.total.items }) : null]
        ]);
        var flags;
        if (!report) flags = [el('p', { class: 'muted', text: t('roundClosedFlags') })];
        else {
          flags = [el('p', { class: 'muted', text: t('flagsSummary', { total: report.total, entries: report.entries, villages: report.scope.villages }) }), ruleFilter(report, base, chosen)];
          flags.push(report.flags.length ? flagsByRule(report, 'round', names) : el('p', { class: 'muted', text: t('noFlags') }));
        }
        show(round.name, el('p', null, el('a', { href: '/staff', text: '‹ ' + t('staffTitle') })),
          el('h1', null, round.name, ' ', roundPill(round)),
          el('section', { class: 'card', 'aria-label': t('roundAbout') }, where),
          el('section', { 'aria-labelledby': 'round-flags' }, el('h2', { id: 'round-flags', text: chosen ? t('flags') + ' · ' + ruleName(chosen) : t('flags') }), flags));
      });
    });
  }

  // ---- start ---------------------------------------------------------------------------------
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(boot.sw, { scope: '/' }).catch(function () {});
  }
  window.addEventListener('offline', function () { say(t('offline')); });
  route();
})();
