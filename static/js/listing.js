/* The product listing's filter panel (catalog/partials/listing.html).
   - On a wide screen the panel opens; on a phone it stays folded behind "Filter (n)".
   - Picking a prefecture narrows the county list to its counties (from the panel's
     <template id="county-choices">) before htmx sends the form.
   - Filters that are not valid answer 422 with only the message: it is swapped in out of
     band and the results shown stay.
   - Before htmx keeps a page for the back button, typed values become the inputs' own, so
     the restored form shows what the results were filtered by. */
(function () {
  "use strict";
  var WIDE = "(min-width: 641px)";

  function openOnWideScreens() {
    var panel = document.getElementById("filters-panel");
    if (panel && window.matchMedia(WIDE).matches) panel.open = true;
  }

  function narrowCounties(prefecture) {
    var form = prefecture.form;
    var county = form && form.elements.namedItem("county");
    var template = document.getElementById("county-choices");
    if (!county || !template) return;
    var chosen = county.value;
    while (county.options.length > 1) county.remove(1);  // keep "All counties"
    Array.prototype.forEach.call(template.content.children, function (group) {
      if (!prefecture.value) {
        county.appendChild(group.cloneNode(true));
      } else if (group.dataset.prefecture === prefecture.value) {
        Array.prototype.forEach.call(group.children, function (option) {
          county.appendChild(option.cloneNode(true));
        });
      }
    });
    county.value = chosen;
    if (county.value !== chosen) county.value = "";  // that county is elsewhere
  }

  // Capture: runs before the change reaches the form, so htmx sends the narrowed county.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "prefecture" && target.closest(".filters")) narrowCounties(target);
  }, true);

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;  // HX-Reswap: none, only the out-of-band message
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll(".filters input, .filters select").forEach(function (field) {
      if (field.type === "checkbox") {
        field.toggleAttribute("checked", field.checked);
      } else if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.toggleAttribute("selected", option.selected);
        });
      } else if (field.type !== "hidden") {
        field.setAttribute("value", field.value);
      }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnWideScreens);
  } else {
    openOnWideScreens();
  }
  document.addEventListener("htmx:historyRestore", openOnWideScreens);
})();
