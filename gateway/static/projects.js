/* A project's timeline: reads the bars from the chart's data-bars attribute (JSON; no inline
   script runs: the gateway's CSP allows scripts from 'self' only) and hands
   them to frappe-gantt (static/vendor/frappe-gantt). frappe-gantt writes a bar's name with
   innerHTML, so every name is escaped here first. Read-only: no dragging or resizing. */
(function () {
  "use strict";
  function escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function draw() {
    var target = document.getElementById("timeline-chart");
    if (!target || typeof window.Gantt !== "function") return;
    var bars = JSON.parse(target.getAttribute("data-bars") || "[]").map(function (bar) {
      return Object.assign({}, bar, { name: escape(bar.name) });
    });
    if (!bars.length) return;
    new window.Gantt(target, bars, {
      view_mode: "Week",
      language: document.documentElement.lang || "en",   // month names in the page's language
      readonly: true,
      popup: false,
      today_button: false,
      view_mode_select: false,
      infinite_padding: false,
      container_height: "auto",
      holidays: {}
    });
    target.setAttribute("data-drawn", String(bars.length));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
