/* Copy buttons: <button data-copy="text" hidden> shows once this script runs and puts the
   text on the clipboard (a bank account number, an order number). Without JavaScript the
   button stays hidden and the text is there to select. The "copied" label comes from the
   button's data-copied. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = button.dataset.copied || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
