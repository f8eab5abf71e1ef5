// « Plus » in the top menu (issue #13) is a <details>: it opens and closes by keyboard and without
// JavaScript. Here only the comforts of a menu: Escape closes it (focus back on « Plus »), and it closes
// when the focus or a click goes elsewhere, or the page scrolls away from the bar.
(function () {
  "use strict";
  function menus() { return document.querySelectorAll("details[data-menu-more][open]"); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus().forEach(function (menu) {
      var inside = menu.contains(document.activeElement);
      menu.open = false;
      if (inside) { menu.querySelector("summary").focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) { if (!menu.contains(event.target)) { menu.open = false; } });
  });
  window.addEventListener("scroll", function () {  // on a phone the panel is fixed under the bar
    if (window.scrollY > 60) { menus().forEach(function (menu) { menu.open = false; }); }
  }, {passive: true});
  document.addEventListener("focusin", function (event) {
    menus().forEach(function (menu) { if (!menu.contains(event.target)) { menu.open = false; } });
  });
})();
