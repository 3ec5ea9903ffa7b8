/* The header's search box as a WAI-ARIA 1.2 combobox (templates/base.html). htmx puts the
   suggestions (catalog/partials/search_suggestions.html) into the listbox as the shopper
   types; this script lets the keyboard move through them, focus staying in the box:
   - Down / Up: the next / previous suggestion is the active one (aria-activedescendant);
   - Enter on an active suggestion opens its link; otherwise the form searches (/search/);
   - Escape closes the list, and a second Escape empties the box;
   - leaving the box closes the list; a tap or click on a suggestion follows its link. */
(function () {
  "use strict";

  function parts() {
    var input = document.getElementById("site-search");
    var list = document.getElementById("search-suggestions");
    return input && list ? { input: input, list: list } : null;
  }

  function options(box) {
    return Array.prototype.slice.call(box.list.querySelectorAll("[role=option]"));
  }

  function active(box) {
    var id = box.input.getAttribute("aria-activedescendant");
    return id && !box.list.hidden ? document.getElementById(id) : null;
  }

  function setActive(box, option) {
    options(box).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      box.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.input.removeAttribute("aria-activedescendant");
    }
  }

  function open(box) {
    var any = options(box).length > 0;
    box.list.hidden = !any;
    box.input.setAttribute("aria-expanded", any ? "true" : "false");
  }

  function close(box) {
    setActive(box, null);
    box.list.hidden = true;
    box.input.setAttribute("aria-expanded", "false");
  }

  function move(box, step) {
    var all = options(box);
    if (!all.length) return;
    if (box.list.hidden) open(box);
    var at = all.indexOf(active(box));
    var next = at === -1 ? (step > 0 ? 0 : all.length - 1) : (at + step + all.length) % all.length;
    setActive(box, all[next]);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = parts();
    if (!box || event.detail.target !== box.list) return;
    setActive(box, null);
    if (document.activeElement === box.input && box.input.value.trim()) {
      open(box);
    } else {
      close(box);
    }
  });

  document.addEventListener("keydown", function (event) {
    var box = parts();
    if (!box || event.target !== box.input || event.isComposing) return;  // not while an IME composes
    if (event.key === "ArrowDown" || event.key === "Down") {
      event.preventDefault();
      move(box, 1);
    } else if (event.key === "ArrowUp" || event.key === "Up") {
      event.preventDefault();
      move(box, -1);
    } else if (event.key === "Enter") {
      var option = active(box);
      if (option) {
        event.preventDefault();
        window.location.assign(option.href);
      }
    } else if (event.key === "Escape" || event.key === "Esc") {
      if (!box.list.hidden) {
        event.preventDefault();
        close(box);
      } else if (box.input.value) {
        event.preventDefault();
        box.input.value = "";
      }
    }
  });

  // A tap on a suggestion must not blur the box first (which would close the list).
  document.addEventListener("mousedown", function (event) {
    var box = parts();
    if (box && box.list.contains(event.target)) event.preventDefault();
  });

  document.addEventListener("focusout", function (event) {
    var box = parts();
    if (box && event.target === box.input) close(box);
  });

  // A page kept for the back button (htmx's history, the browser's cache) comes back closed.
  function closeAny() {
    var box = parts();
    if (box) close(box);
  }
  document.addEventListener("htmx:beforeHistorySave", closeAny);
  window.addEventListener("pageshow", closeAny);

  document.addEventListener("focusin", function (event) {
    var box = parts();
    if (box && event.target === box.input && box.input.value.trim()) open(box);
  });
})();
