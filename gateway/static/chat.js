// A ticket's conversation, live. The stream comes from the live channel (gateway/live) with a
// grant the portal signed; what the page missed comes from the portal (gateway/web/chat.py):
// fetched when a stream opens, so a reconnect neither loses nor doubles a message. Without
// JavaScript the page still works: the form posts and the page reloads with the new message.
// Text is always set with textContent: a message is never read as HTML. The words the script
// writes come from the page (data-text-* on [data-chat], in the reader's language).
(function () {
  "use strict";
  var chat = document.querySelector("[data-chat]");
  if (!chat || !window.EventSource || !window.fetch) { return; }
  var list = chat.querySelector("[data-chat-messages]");
  var form = chat.querySelector("form[data-chat-form]");
  var errors = chat.querySelector("[data-chat-error]");
  var statusBadge = document.querySelector("[data-ticket-status]");
  var last = parseInt(chat.getAttribute("data-after") || "0", 10);
  var seenUrl = chat.getAttribute("data-seen-url");
  var liveUrl = chat.getAttribute("data-live-url");
  var seenUpTo = parseInt(chat.getAttribute("data-seen") || "0", 10);
  var markedSeen = last;
  var current = null;          // the stream that delivers
  var retryMs = 1000;

  function text(name, english) { return chat.getAttribute("data-text-" + name) || english; }

  function csrf() {
    var field = chat.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var seenSending = false;
  function markSeen() {                               // one at a time: a burst of messages is one mark
    if (!seenUrl || seenSending || document.visibilityState !== "visible" || last <= markedSeen) { return; }
    markedSeen = last;
    seenSending = true;
    var body = new FormData();
    body.append("csrf_token", csrf());
    body.append("seq", String(markedSeen));
    fetch(seenUrl, { method: "POST", body: body, credentials: "same-origin",
                     headers: { "X-Requested-With": "fetch" } })
      .catch(function () {})
      .then(function () { seenSending = false; markSeen(); });
  }

  function add(message) {
    if (list.querySelector('li[data-seq="' + message.seq + '"]')) { return; }   // shown once
    var item = el("li", "message message-" + message.author_kind + (message.mine ? " message-mine" : ""));
    item.setAttribute("data-seq", String(message.seq));
    var meta = el("p", "message-meta");
    meta.appendChild(el("strong", null, message.author_name || (message.author_kind === "staff" ? text("staff", "Support team") : text("customer", "Customer"))));
    meta.appendChild(document.createTextNode(" · "));
    var when = new Date(message.posted_at || Date.now());
    var time = el("time", null, when.toLocaleDateString(document.documentElement.lang || undefined,
      { day: "2-digit", month: "short", year: "numeric", timeZone: "UTC" }) + " " +
      (message.posted_at || "").slice(11, 16));
    time.setAttribute("datetime", message.posted_at || "");
    meta.appendChild(time);
    item.appendChild(meta);
    item.appendChild(el("p", "message-body", message.body));
    var later = null;                                 // keep seq order whatever arrives first
    if (message.seq < last) {
      var shownItems = list.querySelectorAll("li[data-seq]");
      for (var i = 0; i < shownItems.length && !later; i++) {
        if (parseInt(shownItems[i].getAttribute("data-seq"), 10) > message.seq) { later = shownItems[i]; }
      }
    }
    list.insertBefore(item, later);
    last = Math.max(last, message.seq);
    showSeen(seenUpTo);
    var empty = chat.querySelector("[data-chat-empty]");
    if (empty) { empty.remove(); }
    item.scrollIntoView({ block: "nearest" });
    markSeen();
  }

  function showSeen(seq) {
    seq = Math.max(seq, seenUpTo);                    // a read mark never moves back
    seenUpTo = seq;
    if (!seq) { return; }
    var marker = chat.querySelector("[data-seen-marker]");
    if (marker) { marker.remove(); }
    var mine = list.querySelectorAll("li.message-mine");
    for (var i = mine.length - 1; i >= 0; i--) {
      if (parseInt(mine[i].getAttribute("data-seq"), 10) <= seq) {
        var note = el("p", "message-seen", text("seen", "Seen"));
        note.setAttribute("data-seen-marker", "");
        mine[i].appendChild(note);
        break;
      }
    }
  }

  function showStatus(status) {
    if (statusBadge && status) {
      statusBadge.textContent = statusBadge.getAttribute("data-label-" + status) || status;
      statusBadge.className = "badge badge-ticket-" + status;
    }
  }

  function catchUp() {                                // what came while no stream delivered
    return fetch(liveUrl + "?after=" + last, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { if (!answer.ok) { throw new Error(String(answer.status)); } return answer.json(); })
      .then(function (found) {
        found.items.forEach(add);
        showSeen(found.seen);
        showStatus(found.status);
        return found.stream_url;
      });
  }

  function reconnect() {
    current = null;
    chat.setAttribute("data-live", "off");
    setTimeout(function () {
      catchUp().then(function (url) { connect(url, false); }, reconnect);
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 30000);
  }

  // A stream's `ready` comes once it is subscribed: only then is a catch-up sure to miss nothing.
  // `renew` comes a little before the grant ends: the next stream opens with a fresh grant and
  // the old one closes once it is ready, so there is no gap and nothing to catch up.
  function connect(url, caughtUp) {
    var source = new EventSource(url);
    source.addEventListener("ready", function () {
      retryMs = 1000;
      if (current && current !== source) { current.close(); }
      current = source;
      chat.setAttribute("data-live", "on");
      if (!caughtUp) { catchUp().catch(function () {}); }
      caughtUp = false;                               // a later automatic reconnect catches up
    });
    source.addEventListener("message", function (e) { add(JSON.parse(e.data)); });
    source.addEventListener("seen", function (e) { showSeen(JSON.parse(e.data).seq); });
    source.addEventListener("status", function (e) { showStatus(JSON.parse(e.data).status); });
    source.addEventListener("renew", function () {
      if (source === current) { catchUp().then(function (next) { connect(next, true); }, function () {}); }
    });
    source.addEventListener("expired", function () {
      source.close();
      if (source === current) { reconnect(); }
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED && (source === current || current === null)) {
        source.close();
        reconnect();
      }
    };
  }

  connect(chat.getAttribute("data-stream-url"), false);
  document.addEventListener("visibilitychange", markSeen);

  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      errors.textContent = "";
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
        .then(function (answer) {
          return answer.json().catch(function () {
            return { error: answer.status === 413 ? text("too-large", "That message is too large to send.") :
                            answer.status === 429 ? text("too-fast", "You are sending messages very fast. Wait a minute, then send again.") :
                                                    text("failed", "The message could not be sent. Please try again.") };
          });
        })
        .then(function (result) {
          if (result.error) { errors.textContent = result.error; return; }
          form.reset();
          if (result.message) { add(result.message); }
        })
        .catch(function () { errors.textContent = text("offline", "The message could not be sent. Check your connection and try again."); })
        .then(function () { button.disabled = false; });
    });
  }
}());
