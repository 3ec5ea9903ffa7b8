/* Counts down each <time data-countdown> to its moment; without JavaScript the date shows.
   The unit labels come translated on this script's tag (catalog/partials/countdown_script.html);
   times that htmx swaps in later are picked up on the next tick. */
(function () {
  "use strict";
  var units = document.currentScript.dataset;
  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.getAttribute("datetime")) - Date.now()) / 1000));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (d ? d + units.d + " " : "") + h + units.h + " " + m + units.m + " " + s + units.s;
      el.title = el.getAttribute("datetime");
    });
  }
  tick(); setInterval(tick, 1000);
})();
