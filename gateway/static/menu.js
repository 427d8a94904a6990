// The navigation's "Menu" (base.html, a <details>): open on a wide screen, where portal.css
// hides its button and always shows the links, because assistive technology treats the
// links of a closed <details> as hidden whatever the CSS shows; closed on a phone until the
// person opens it. It follows the screen as it widens or narrows (a phone turned sideways).
(function () {
  "use strict";
  var menu = document.querySelector(".site-menu");
  if (!menu || !window.matchMedia) { return; }
  var wide = window.matchMedia("(width > 40rem)");
  function fit() { menu.open = wide.matches; }
  fit();
  wide.addEventListener("change", fit);
})();
