// Sign-out wipes what the field app keeps on this phone (issue #12): its IndexedDB databases and the
// service worker's cache. Captures not yet sent are never dropped silently: the user is asked first.
(function () {
  "use strict";
  function databases() {
    if (!window.indexedDB || !indexedDB.databases) return Promise.resolve([]);
    return indexedDB.databases().then(function (list) {
      return list.map(function (d) { return d.name; }).filter(function (n) { return n && n.indexOf("aupres-field-") === 0; });
    }).catch(function () { return []; });
  }
  function pending(name) {
    return new Promise(function (resolve) {
      var open = indexedDB.open(name);
      open.onsuccess = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("captures")) { db.close(); resolve(0); return; }
        var count = db.transaction("captures").objectStore("captures").count();
        count.onsuccess = function () { db.close(); resolve(count.result); };
        count.onerror = function () { db.close(); resolve(0); };
      };
      open.onerror = function () { resolve(0); };
    });
  }
  function wipe(names) {
    try { Object.keys(localStorage).forEach(function (k) { if (k.indexOf("aupres-field-") === 0) localStorage.removeItem(k); }); } catch (e) { /* ignore */ }
    var steps = names.map(function (name) {
      return new Promise(function (resolve) {
        var del = indexedDB.deleteDatabase(name);
        del.onsuccess = del.onerror = del.onblocked = function () { resolve(); };
      });
    });
    if (window.caches) steps.push(caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("aupres-field-") === 0; }).map(function (k) { return caches.delete(k); }));
    }).catch(function () {}));
    return Promise.all(steps);
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("logout") || form.dataset.wiped) return;
    event.preventDefault();
    databases().then(function (names) {
      return Promise.all(names.map(pending)).then(function (counts) {
        var n = counts.reduce(function (a, b) { return a + b; }, 0);
        var message = form.dataset.fieldWarning || "%(n)s";
        if (n && !window.confirm(message.replace("%(n)s", n))) return false;
        return wipe(names).then(function () { return true; });
      });
    }).then(function (go) {
      if (go === false) return;
      form.dataset.wiped = "1";
      form.submit();
    });
  });
})();
