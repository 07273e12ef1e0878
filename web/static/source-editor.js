// A definition's source editor (web/templates/draft_editor.html, in the rules and workflow
// editors): one line number per line of the text, scrolled with it, the lines the last check
// found problems on marked, and a diagnostic's position moving the cursor there. A file of its own: the pages' CSP runs no inline script.
(function () {
  "use strict";

  function setup(editor) {
    var area = editor.querySelector("textarea");
    var gutter = editor.querySelector(".gutter");
    if (!area || !gutter) {
      return;
    }

    // line → "error" or "warning", from the check's list (#diagnostics li[data-line])
    function marks() {
      var found = {};
      document.querySelectorAll("#diagnostics [data-line]").forEach(function (item) {
        var line = item.getAttribute("data-line");
        if (found[line] !== "error") {
          found[line] = item.getAttribute("data-severity");
        }
      });
      return found;
    }

    function number() {
      var count = area.value.split("\n").length;
      var marked = marks();
      var lines = document.createDocumentFragment();
      for (var i = 1; i <= count; i++) {
        var span = document.createElement("span");
        span.textContent = String(i);
        if (marked[String(i)]) {
          span.className = "mark-" + marked[String(i)];
        }
        lines.appendChild(span);
      }
      gutter.replaceChildren(lines);
      gutter.scrollTop = area.scrollTop;
    }

    function goTo(line, column) {
      var rows = area.value.split("\n");
      var offset = 0;
      for (var i = 0; i < line - 1 && i < rows.length; i++) {
        offset += rows[i].length + 1;
      }
      offset += Math.max(0, column - 1);
      area.focus();
      area.setSelectionRange(offset, offset);
      // about where the line is: the browser scrolls a focused textarea to its cursor lazily
      var height = area.scrollHeight / Math.max(1, rows.length);
      area.scrollTop = Math.max(0, (line - 3) * height);
      gutter.scrollTop = area.scrollTop;
    }

    area.addEventListener("input", number);
    area.addEventListener("scroll", function () {
      gutter.scrollTop = area.scrollTop;
    });
    document.body.addEventListener("htmx:afterSettle", number);
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-goto]") : null;
      if (!link) {
        return;
      }
      event.preventDefault();
      var position = link.getAttribute("data-goto").split(":");
      goTo(parseInt(position[0], 10) || 1, parseInt(position[1], 10) || 1);
    });
    number();
  }

  function start() {
    document.querySelectorAll(".source-editor").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
