// Waypoint works without JavaScript; this moves focus to the error summary when a form comes back with
// errors, so keyboard and screen-reader users hear what went wrong first, and lets the keyboard scroll wide tables.
(function () {
  "use strict";
  // The word naming a table without a caption, in the page's language (set by base.html on this script's tag).
  var script = document.currentScript;
  var tableWord = (script && script.getAttribute("data-table-word")) || "Table";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  // A table wider than the screen scrolls inside its own box (.table-responsive): while it does, the box
  // takes keyboard focus, so that the arrow keys scroll it, and is named after the table's caption.
  function markScrollingTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : tableWord);
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  markScrollingTables();
  window.addEventListener("resize", markScrollingTables);
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
