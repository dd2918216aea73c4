/* "Copy the link" on a letter's page. Without this script the link stands in a read-only
   box the reader selects and copies; the button only appears when it can work. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-done") || "✓";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
