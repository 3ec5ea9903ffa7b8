/* A review's counter: under a <textarea data-counter="500">, the help line
   (data-counter-for its id) reads "123 of 500" as the shopper types. Without
   JavaScript it keeps saying the limit, and the textarea's maxlength holds it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var field = document.getElementById(counter.dataset.counterFor);
    if (!field || !field.dataset.counter) return;
    var limit = field.dataset.counter;
    var show = function () {
      counter.textContent = Array.from(field.value).length + " " + counter.dataset.of + " " + limit;
    };
    field.addEventListener("input", show);
    show();
  });
})();
