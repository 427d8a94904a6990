// A ticket's conversation, live (gateway/web/chat.py sends the events). Without JavaScript the
// page still works: the form posts and the page reloads with the new message.
// Text is always set with textContent: a message is never read as HTML.
(function () {
  "use strict";
  var chat = document.querySelector("[data-chat]");
  if (!chat || !window.EventSource) { return; }
  var list = chat.querySelector("[data-chat-messages]");
  var form = chat.querySelector("form[data-chat-form]");
  var errors = chat.querySelector("[data-chat-error]");
  var statusBadge = document.querySelector("[data-ticket-status]");
  var last = parseInt(chat.getAttribute("data-after") || "0", 10);
  var seenUrl = chat.getAttribute("data-seen-url");
  var markedSeen = last;

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

  function markSeen() {
    if (!seenUrl || document.visibilityState !== "visible" || last <= markedSeen) { return; }
    markedSeen = last;
    var body = new FormData();
    body.append("csrf_token", csrf());
    body.append("seq", String(last));
    fetch(seenUrl, { method: "POST", body: body, credentials: "same-origin",
                     headers: { "X-Requested-With": "fetch" } });
  }

  function add(message) {
    if (message.seq <= last) { return; }              // already shown (a reconnect repeats nothing)
    last = message.seq;
    var item = el("li", "message message-" + message.author_kind + (message.mine ? " message-mine" : ""));
    item.setAttribute("data-seq", String(message.seq));
    var meta = el("p", "message-meta");
    meta.appendChild(el("strong", null, message.author_name || (message.author_kind === "staff" ? "Support team" : "Customer")));
    meta.appendChild(document.createTextNode(" · "));
    var when = new Date(message.posted_at || Date.now());
    var time = el("time", null, when.toLocaleDateString(document.documentElement.lang || undefined,
      { day: "2-digit", month: "short", year: "numeric", timeZone: "UTC" }) + " " +
      (message.posted_at || "").slice(11, 16));
    time.setAttribute("datetime", message.posted_at || "");
    meta.appendChild(time);
    item.appendChild(meta);
    item.appendChild(el("p", "message-body", message.body));
    list.appendChild(item);
    var empty = chat.querySelector("[data-chat-empty]");
    if (empty) { empty.remove(); }
    item.scrollIntoView({ block: "nearest" });
    markSeen();
  }

  function showSeen(seq) {
    var marker = chat.querySelector("[data-seen-marker]");
    if (marker) { marker.remove(); }
    var mine = list.querySelectorAll("li.message-mine");
    for (var i = mine.length - 1; i >= 0; i--) {
      if (parseInt(mine[i].getAttribute("data-seq"), 10) <= seq) {
        var note = el("p", "message-seen", "Seen");
        note.setAttribute("data-seen-marker", "");
        mine[i].appendChild(note);
        break;
      }
    }
  }

  var source = new EventSource(chat.getAttribute("data-stream-url") + "?after=" + last);
  source.addEventListener("message", function (e) { add(JSON.parse(e.data)); });
  source.addEventListener("seen", function (e) { showSeen(JSON.parse(e.data)); });
  source.addEventListener("status", function (e) {
    if (statusBadge) { statusBadge.textContent = statusBadge.getAttribute("data-label-" + JSON.parse(e.data)) || JSON.parse(e.data); }
  });
  document.addEventListener("visibilitychange", markSeen);
  chat.setAttribute("data-live", "on");

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
            return { error: answer.status === 413 ? "That message is too large to send." :
                            answer.status === 429 ? "You are sending messages very fast. Wait a minute, then send again." :
                                                    "The message could not be sent. Please try again." };
          });
        })
        .then(function (result) {
          if (result.error) { errors.textContent = result.error; return; }
          form.reset();
          if (result.message) { add(result.message); }
        })
        .catch(function () { errors.textContent = "The message could not be sent. Check your connection and try again."; })
        .then(function () { button.disabled = false; });
    });
  }
}());
