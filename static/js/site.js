// Progressive enhancement only: every page works without this file.
//
// Adds a "Copy SQL" button to the footer's query log, so a page's queries can be
// pasted into an issue or a note, as the footer shows them: with %s where each
// value went (values stay out of the page), so psql needs them filled in first.
// Browsers without the Clipboard API (or pages not
// served over HTTPS or from localhost) keep the plain list.
(function () {
  "use strict";

  if (!navigator.clipboard) {
    return;
  }

  document.querySelectorAll("details.query-log").forEach(function (log) {
    var statements = Array.prototype.map.call(log.querySelectorAll("li code"), function (code) {
      return code.textContent.trim() + ";";
    });
    if (statements.length === 0) {
      return;
    }

    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-sql";
    button.textContent = "Copy SQL";

    // Screen readers hear the outcome; the button's own label stays the same.
    var status = document.createElement("span");
    status.className = "copy-sql-status";
    status.setAttribute("role", "status");

    button.addEventListener("click", function () {
      navigator.clipboard.writeText(statements.join("\n")).then(
        function () {
          var noun = statements.length === 1 ? " statement." : " statements.";
          status.textContent = "Copied " + statements.length + noun;
        },
        function () {
          status.textContent = "Copying was refused by the browser.";
        }
      );
    });

    log.appendChild(button);
    log.appendChild(status);
  });
})();

// A box that scrolls sideways (code, wide tables, the query log) takes keyboard focus
// while its content is wider than it, so arrow keys scroll it as a mouse or finger
// can; re-checked when the window changes size (a phone turned sideways).
(function () {
  "use strict";

  var boxes = document.querySelectorAll("pre, .scroll-x, .query-log ol");

  function update() {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }

  update();
  window.addEventListener("resize", update);
})();
