/* Counts down each <time data-countdown> to its moment, and switches each promotion block
   ([data-phases], catalog/partials/promo_phases.html) to the state of the moment: coming,
   running, ended. The server renders every state of a block, the one of its moment shown
   and the others hidden, so no request is needed when a boundary passes.

   Time is the server's: the script's data-now is the server's clock (Unix seconds) when
   the response was sent (stamped on every response, cached pages too), and the browser's
   monotonic clock measures what has passed since. A wrong clock on the phone changes
   nothing. Without JavaScript the date shows.
   The unit labels come translated on this script's tag (catalog/partials/countdown_script.html);
   times and blocks that htmx swaps in later are picked up on the next tick. */
(function () {
  "use strict";
  var units = document.currentScript.dataset;
  var serverNow = parseFloat(units.now) * 1000;
  var navigation = window.performance.getEntriesByType
    ? window.performance.getEntriesByType("navigation")[0] : null;
  // The stamp was written when the response started: measure from then.
  var stampedAt = navigation && navigation.responseStart > 0 ? navigation.responseStart
    : window.performance.now();
  if (!isFinite(serverNow)) { serverNow = Date.now(); }

  function now() { return serverNow + (window.performance.now() - stampedAt); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(left) {
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
        m = Math.floor(left % 3600 / 60), s = left % 60;
    return (d ? d + units.d + " " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
  }
  function phaseAt(block, at) {
    if (at < Date.parse(block.dataset.starts)) { return "scheduled"; }
    return at < Date.parse(block.dataset.ends) ? "running" : "ended";
  }

  // A card that starts running moves into its list ([data-moves-when-running] names it,
  // /promotions/): out of "Coming soon", into "On now"; each list's empty note follows.
  function showList(list) {
    var empty = document.querySelector('[data-promo-empty="' + list.dataset.promoList + '"]');
    list.hidden = !list.children.length;
    if (empty) { empty.hidden = !list.hidden; }
  }
  function moveCard(block) {
    var card = block.closest("[data-moves-when-running]");
    if (!card) { return; }
    var target = document.querySelector(
      '[data-promo-list="' + card.dataset.movesWhenRunning + '"]');
    var source = card.parentElement;
    if (!target || source === target) { return; }
    target.appendChild(card);
    showList(target);
    if (source && source.dataset.promoList) { showList(source); }
  }

  // A block with data-refresh (a promotion's page: "#results") has what else changes at
  // its boundaries fetched again: the same page (the page cache renders it anew at each
  // start and end, so it is current) with only that part swapped in. On failure the
  // part stays as it was.
  function refresh(selector) {
    setTimeout(function () {
      window.fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
          var old = document.querySelector(selector);
          if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
        })
        .catch(function () {});
    }, 500);  // just past the boundary on the server's clock too
  }

  function tick() {
    var at = now();
    document.querySelectorAll("[data-phases]").forEach(function (block) {
      var phase = phaseAt(block, at);
      if (block.dataset.shown === phase) { return; }
      // Its own states only: a block may hold another sale's block in a state.
      var states = block.querySelectorAll(":scope > [data-phase]");
      var has = Array.prototype.some.call(states, function (el) { return el.dataset.phase === phase; });
      if (!has) { return; }  // nothing to show for this state: keep what is shown
      var before = block.dataset.shown;
      if (!before) {  // the state the server rendered
        states.forEach(function (el) { if (!el.hidden) { before = el.dataset.phase; } });
      }
      states.forEach(function (el) { el.hidden = el.dataset.phase !== phase; });
      block.dataset.shown = phase;
      if (phase === "running") { moveCard(block); }
      if (block.dataset.refresh && before && before !== phase) { refresh(block.dataset.refresh); }
    });
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.getAttribute("datetime")) - at) / 1000));
      el.textContent = format(left);
      el.title = el.getAttribute("datetime");
    });
  }
  tick(); setInterval(tick, 1000);
})();
