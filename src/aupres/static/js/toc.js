// A link to a part of the page opens that part when it is folded (issue #13): the target, when it is a
// <details> or starts with one (a card whose body folds), and every <details> around it. On a click of a
// same-page link (before the browser scrolls), on hashchange, and when the page is opened with the hash.
(function () {
  "use strict";
  function unfold(hash) {
    if (!hash || hash.length < 2) { return null; }
    var target;
    try { target = document.getElementById(decodeURIComponent(hash.slice(1))); } catch (e) { return null; }
    if (!target) { return null; }
    var first = target.firstElementChild;
    if (target.tagName === "DETAILS") { target.open = true; }
    else if (first && first.tagName === "DETAILS") { first.open = true; }
    for (var el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
    return target;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) { unfold(link.getAttribute("href")); }
  });
  window.addEventListener("hashchange", function () {
    var target = unfold(window.location.hash);
    if (target) { target.scrollIntoView(); }
  });
  function atLoad() {
    var target = unfold(window.location.hash);
    if (target) { target.scrollIntoView(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", atLoad); } else { atLoad(); }
})();
