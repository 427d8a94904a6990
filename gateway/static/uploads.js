// Uploads with progress: a form with data-upload sends each chosen (or dropped) file on its
// own request, showing a progress bar per file, then the service's verdict in words (taken,
// or why not: wrong type, too large ...). When every file is done and one was taken, the
// page reloads to list it. Without JavaScript, XMLHttpRequest or FormData the form posts
// all files at once and the page shows the same verdicts. The words the script writes come
// from the form (data-text-*, in the reader's language; {name} is the file's name).
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-dropzone]");
  var list = form.querySelector("[data-progress]");
  var button = form.querySelector("button[type=submit]");

  function text(name, english) { return form.getAttribute("data-text-" + name) || english; }

  function row(file) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", text("uploading", "Uploading {name}").replace("{name}", file.name));
    var said = document.createElement("span");
    said.className = "hint";
    item.append(name, bar, said);
    list.append(item);
    return {bar: bar, said: said, item: item};
  }

  function send(file, done) {
    var shown = row(file);
    var data = new FormData();
    form.querySelectorAll("input[type=hidden]").forEach(function (field) { data.append(field.name, field.value); });
    data.append("files", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { shown.bar.value = Math.round(e.loaded * 100 / e.total); }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = {}; }
      var taken = (answer.uploaded || []).length > 0;
      shown.bar.value = taken ? 100 : 0;
      shown.said.textContent = taken ? text("uploaded", "Uploaded") : ((answer.errors || []).join(" ") ||
        (xhr.status === 413 ? text("too-large", "This file is larger than the portal accepts.") : text("failed", "This file could not be uploaded.")));
      shown.item.setAttribute("data-upload-state", taken ? "done" : "refused");
      if (!taken) { shown.said.className = "field-error"; }
      done(taken);
    });
    xhr.addEventListener("error", function () {
      shown.said.textContent = text("interrupted", "The upload was interrupted. Check your connection and try again.");
      shown.item.setAttribute("data-upload-state", "refused");
      done(false);
    });
    xhr.send(data);
  }

  function upload(files) {
    if (!files.length) { return; }
    button.disabled = true;
    var left = files.length, anyTaken = false;
    Array.prototype.forEach.call(files, function (file) {
      send(file, function (taken) {
        anyTaken = anyTaken || taken;
        left -= 1;
        if (left === 0) {
          button.disabled = false;
          input.value = "";
          if (anyTaken) { setTimeout(function () { window.location.reload(); }, 1200); }
        }
      });
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    upload(input.files);
  });
  if (zone) {
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("is-over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      upload(e.dataTransfer.files);
    });
  }
}());
