// Tables read as cards on a phone (portal.css): each cell of a table's body is given its
// column's heading as data-label, which the card shows before the value. Headings that are
// only there for screen readers (a download link's column) give no label, unless the
// heading names one itself (data-label: the "Pay" of a column of checkboxes). Column spans are
// counted, so a row with a wide cell (a statement's opening balance) still lines up.
// Without JavaScript the cards show their values without the headings.
(function () {
  "use strict";
  function heading(th) {
    var copy = th.cloneNode(true);
    copy.querySelectorAll(".visually-hidden").forEach(function (hidden) { hidden.remove(); });
    return copy.textContent.trim();
  }

  function label(table) {
    var header = table.tHead && table.tHead.rows[0];
    if (!header) { return; }
    var headings = [];
    Array.prototype.forEach.call(header.cells, function (th) {
      var text = th.getAttribute("data-label") || heading(th);
      for (var i = 0; i < th.colSpan; i++) { headings.push(text); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.tagName === "TD" && headings[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan;
        });
      });
    });
  }

  function labelAll() { document.querySelectorAll("table.table").forEach(label); }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", labelAll); }
  else { labelAll(); }
  document.addEventListener("htmx:afterSettle", labelAll);       // rows htmx swapped in
})();
