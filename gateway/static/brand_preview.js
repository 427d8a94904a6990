// The brand colour's preview on the console's settings page: as the colour is picked, the
// preview of a portal page and of a mail takes it (the header in its darker shade, as
// web/brand.py makes it for the portal; buttons and links in the colour itself).
(function () {
  "use strict";
  var preview = document.querySelector("[data-brand-preview]");
  var input = document.querySelector("input[name=brand_colour]");
  if (!preview || !input) { return; }

  function darker(hex) {
    var out = "#";
    for (var i = 1; i < 7; i += 2) {
      var part = Math.floor(parseInt(hex.substr(i, 2), 16) * 0.75).toString(16);
      out += part.length < 2 ? "0" + part : part;
    }
    return out;
  }

  function show() {
    if (!/^#[0-9a-fA-F]{6}$/.test(input.value)) { return; }
    preview.style.setProperty("--brand", input.value);
    preview.style.setProperty("--brand-dark", darker(input.value));
  }

  input.addEventListener("input", show);
  show();
})();
