// Shipments' status, live (gateway/live, topic deliveries:<customer>): an element with
// data-live-deliveries opens the stream its page was given; each `delivery` event sets the
// badge of the shipment it names ([data-shipment] ... [data-shipment-status]). When the
// grant runs out (`renew`), the page asks the portal for a fresh stream URL (the session is
// checked there) and opens it. Without JavaScript or EventSource the page is as served.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-deliveries]");
  if (!box || !window.EventSource || !window.fetch) { return; }
  var labels = JSON.parse(box.getAttribute("data-labels") || "{}");
  var current = null;

  function show(update) {
    var items = document.querySelectorAll("[data-shipment]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-shipment") !== update.shipment_id) { continue; }
      var place = items[i].querySelector("[data-shipment-status]");
      if (!place) { continue; }
      var badge = document.createElement("span");
      badge.className = "badge badge-ship-" + update.status;
      badge.textContent = labels[update.status] || update.status;
      place.replaceChildren(badge);
    }
  }

  function open(url) {
    var source = new EventSource(url);
    source.addEventListener("ready", function () { box.setAttribute("data-live", "on"); });
    source.addEventListener("delivery", function (e) { show(JSON.parse(e.data)); });
    source.addEventListener("renew", function () {
      fetch(box.getAttribute("data-renew-url"), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) { if (found) { var old = current; open(found.stream_url); old.close(); } });
    });
    source.addEventListener("expired", function () { source.close(); });
    current = source;
  }

  open(box.getAttribute("data-stream-url"));
})();
