// A payment's status, live (gateway/live, topic payment:<payment_id>): while the payment is
// in progress its status part ([data-live-payment]) carries the stream its page was given.
// When the stream is ready, and on each `payment` event, the part is fetched again through
// the portal (htmx), so its words and buttons stay the portal's. A part that no longer
// carries data-live-payment (the payment is settled, failed or refunded) closes the stream.
// When the grant runs out (`renew`), a fresh stream URL is asked of the portal (the session
// is checked there). Without JavaScript or EventSource the part polls slowly (hx-trigger).
(function () {
  "use strict";
  var part = document.querySelector("[data-live-payment]");
  if (!part || !window.EventSource || !window.fetch || !window.htmx) { return; }
  var renewUrl = part.getAttribute("data-renew-url");
  var current = null;

  function refresh() {
    var now = document.getElementById("payment-status");
    if (!now || !now.hasAttribute("data-live-payment")) { if (current) { current.close(); } return; }
    window.htmx.ajax("GET", now.getAttribute("hx-get"), {target: "#payment-status", swap: "outerHTML", select: "#payment-status"})
      .then(function () {
        var after = document.getElementById("payment-status");
        if (current && (!after || !after.hasAttribute("data-live-payment"))) { current.close(); }
      });
  }

  function open(url) {
    var source = new EventSource(url);
    source.addEventListener("ready", refresh);            // anything that moved before it was open
    source.addEventListener("payment", refresh);
    source.addEventListener("renew", function () {
      fetch(renewUrl, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) { if (found) { var old = current; open(found.stream_url); old.close(); } });
    });
    source.addEventListener("expired", function () { source.close(); });
    current = source;
  }

  open(part.getAttribute("data-stream-url"));
})();
