/* The field app (issue #12): works without network, keeps every capture until the server has it.

   Storage: one IndexedDB database per user ("aupres-field-<user id>"), stores "meta" and "captures".
   Everything personal in it (the caseload, each capture) is encrypted with AES-GCM under the session key
   that the server hands over the signed-in session (GET /api/v1/field/key). That key is held in memory as
   a non-extractable CryptoKey; it is written to IndexedDB only encrypted under a key derived (PBKDF2) from
   the user's offline code, so that the app reopens without network. Sign-out deletes the database.
   No inline script (strict CSP): the page's settings come as JSON in #field-config. */
(function () {
  "use strict";

  var configNode = document.getElementById("field-config");
  var main = document.getElementById("field-main");
  if (!configNode || !main) return;
  var config = JSON.parse(configNode.textContent);
  var T = config.t;
  var DB_NAME = "aupres-field-" + config.user;
  var ACTIVE_KEY = "aupres-field-active-" + config.user;
  var PBKDF2_ITERATIONS = 310000;
  var BATCH = 50;

  var state = {
    db: null, keys: {}, currentKid: null, keyring: null, caseload: null, captures: [],
    lastSync: null, syncing: false, error: "", notice: "", sessionLost: false, syncTimer: null,
  };

  // Small helpers ------------------------------------------------------------------------------

  function h(tag, props) {
    var node = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (name) {
      var value = props[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "on") Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      else if (name === "value") node.value = value;
      else if (name === "checked" || name === "selected" || name === "disabled") node[name] = !!value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, function (_m, name) { return values[name]; });
  }
  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function b64(bytes) { return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes))); }
  function unb64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }
  function label(choices, value) {
    for (var i = 0; i < choices.length; i++) if (choices[i][0] === value) return choices[i][1];
    return value || "";
  }
  function options(choices, selected, blank) {
    var out = blank ? [h("option", {value: "", text: blank})] : [];
    return out.concat(choices.map(function (c) {
      return h("option", {value: c[0], text: c[1], selected: String(c[0]) === String(selected)});
    }));
  }
  function localNow() {
    var d = new Date(); d.setSeconds(0, 0);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // IndexedDB -----------------------------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("meta", {keyPath: "k"});
        db.createObjectStore("captures", {keyPath: "uuid"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(store, mode, work) {
    return new Promise(function (resolve, reject) {
      var t = state.db.transaction(store, mode);
      var result = work(t.objectStore(store));
      t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error); };
    });
  }
  function getMeta(k) { return tx("meta", "readonly", function (s) { return s.get(k); }).then(function (r) { return r ? r.v : null; }); }
  function setMeta(k, v) { return tx("meta", "readwrite", function (s) { s.put({k: k, v: v}); }); }
  function delMeta(k) { return tx("meta", "readwrite", function (s) { s.delete(k); }); }
  function allCaptures() { return tx("captures", "readonly", function (s) { return s.getAll(); }); }
  function putCapture(rec) { return tx("captures", "readwrite", function (s) { s.put(rec); }); }
  function delCapture(id) { return tx("captures", "readwrite", function (s) { s.delete(id); }); }

  // Encryption ----------------------------------------------------------------------------------

  function deriveKek(code, salt, iterations) {
    return crypto.subtle.importKey("raw", new TextEncoder().encode(code), "PBKDF2", false, ["deriveKey"])
      .then(function (base) {
        return crypto.subtle.deriveKey({name: "PBKDF2", salt: salt, iterations: iterations, hash: "SHA-256"},
          base, {name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"]);
      });
  }
  function importDataKey(raw) {
    return crypto.subtle.importKey("raw", raw, {name: "AES-GCM"}, false, ["encrypt", "decrypt"]);
  }
  function encrypt(value) {
    var kid = state.currentKid, key = state.keys[kid];
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, key, new TextEncoder().encode(JSON.stringify(value)))
      .then(function (ct) { return {kid: kid, iv: b64(iv), ct: b64(ct)}; });
  }
  function decrypt(box) {
    var key = state.keys[box.kid];
    if (!key) return Promise.reject(new Error("no key"));
    return crypto.subtle.decrypt({name: "AES-GCM", iv: unb64(box.iv)}, key, unb64(box.ct))
      .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
  }
  function wrapRaw(kek, raw) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, kek, raw).then(function (ct) {
      return {iv: b64(iv), ct: b64(ct)};
    });
  }
  function unwrapAll(code) {
    var ring = state.keyring;
    return deriveKek(code, unb64(ring.salt), ring.iterations).then(function (kek) {
      return Promise.all(ring.keys.map(function (entry) {
        return crypto.subtle.decrypt({name: "AES-GCM", iv: unb64(entry.iv)}, kek, unb64(entry.ct))
          .then(importDataKey).then(function (key) { state.keys[entry.kid] = key; });
      })).then(function () { return kek; });
    });
  }

  // The session key: from the server when signed in, else from the keyring under the offline code.
  function fetchSessionKey() {
    return fetch(config.urls.key, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (r.status === 401 || r.status === 403 || r.redirected) { state.sessionLost = true; return null; }
      if (!r.ok) return null;
      state.sessionLost = false;
      return r.json();
    }).catch(function () { return null; });
  }

  // Activity and idle wipe ------------------------------------------------------------------------

  function touch() { try { localStorage.setItem(ACTIVE_KEY, String(Date.now())); } catch (e) { /* private mode */ } }
  function idleExpired() {
    var last = parseInt(localStorage.getItem(ACTIVE_KEY) || "0", 10);
    return last && Date.now() - last > config.idle_minutes * 60000;
  }
  function wipeCaseload() {
    state.caseload = null;
    return delMeta("caseload");
  }
  var lastTouch = 0;
  document.addEventListener("pointerdown", function () {
    if (Date.now() - lastTouch > 30000) { lastTouch = Date.now(); touch(); }
  });
  setInterval(function () {
    if (state.caseload && idleExpired()) {
      wipeCaseload().then(function () { state.keys = {}; state.notice = T.idle_wiped; lockScreen(); });
    }
  }, 60000);

  // Boot ------------------------------------------------------------------------------------------

  function boot() {
    if (!window.indexedDB || !window.crypto || !crypto.subtle) {
      main.replaceChildren(h("p", {class: "msg error", text: T.unsupported}));
      return;
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(config.urls.sw, {scope: config.urls.scope}).catch(function () {});
    }
    openDb().then(function (db) {
      state.db = db;
      return Promise.all([getMeta("keyring"), getMeta("lastSync"), allCaptures()]);
    }).then(function (found) {
      state.keyring = found[0]; state.lastSync = found[1]; state.captures = found[2];
      var wiped = idleExpired() ? wipeCaseload().then(function () { state.notice = T.idle_wiped; }) : Promise.resolve();
      return wiped.then(fetchSessionKey);
    }).then(function (key) {
      if (key) return withServerKey(key);
      lockScreen();
    }).catch(function () {
      main.replaceChildren(h("p", {class: "msg error", text: T.storage_failed}));
    });
  }

  function neededKids() {
    var kids = {};
    state.captures.forEach(function (c) { kids[c.kid] = true; });
    return kids;
  }

  function withServerKey(key) {
    var raw = unb64(key.key);
    return importDataKey(raw).then(function (dataKey) {
      state.keys[key.kid] = dataKey;
      state.currentKid = key.kid;
      var ring = state.keyring;
      var known = ring && ring.keys.some(function (e) { return e.kid === key.kid; });
      var otherNeeded = Object.keys(neededKids()).some(function (kid) { return kid !== key.kid; });
      if (known && !otherNeeded) { raw.fill(0); return started(); }
      // A new session key: write it under the offline code (asked once per sign-in).
      codeScreen(!ring, function (code) {
        var first = !state.keyring;
        var salt = first ? crypto.getRandomValues(new Uint8Array(16)) : unb64(state.keyring.salt);
        var ready = first ? deriveKek(code, salt, PBKDF2_ITERATIONS) : unwrapAll(code);
        return ready.then(function (kek) {
          return wrapRaw(kek, raw).then(function (wrapped) {
            raw.fill(0);
            var kept = (first ? [] : state.keyring.keys).filter(function (e) {
              return e.kid !== key.kid && neededKids()[e.kid];
            });
            kept.push({kid: key.kid, iv: wrapped.iv, ct: wrapped.ct});
            state.keyring = {salt: b64(salt), iterations: PBKDF2_ITERATIONS, keys: kept};
            return setMeta("keyring", state.keyring);
          });
        }).then(started);
      });
    });
  }

  function lockScreen() {
    if (!state.keyring) {
      main.replaceChildren(h("section", {class: "card"},
        h("h1", {text: T.app_title}),
        h("p", {class: "msg error", "data-testid": "field-first-online", text: T.first_online}),
        h("a", {class: "button primary", href: config.urls.login, text: T.sign_in})));
      return;
    }
    codeScreen(false, function (code) {
      return unwrapAll(code).then(function () {
        var keys = state.keyring.keys;
        state.currentKid = keys[keys.length - 1].kid;
        return started();
      });
    });
  }

  function codeScreen(create, done) {
    var error = h("p", {class: "error", role: "alert", "data-testid": "code-error"});
    var code = h("input", {type: "password", id: "field-code", inputmode: "numeric", autocomplete: "off",
                           minlength: "6", maxlength: "64", required: true});
    var confirm = create ? h("input", {type: "password", id: "field-code-confirm", inputmode: "numeric",
                                       autocomplete: "off", maxlength: "64"}) : null;
    var button = h("button", {type: "submit", class: "primary", id: "field-unlock",
                              text: create ? T.code_set : T.code_unlock});
    var form = h("form", {class: "card", novalidate: true},
      h("h1", {text: create ? T.code_create_title : T.code_title}),
      state.notice ? h("p", {class: "msg", text: state.notice}) : null,
      h("p", {class: "help", text: create ? T.code_create_help : T.code_help}),
      h("div", {class: "field"}, h("label", {for: "field-code", text: T.code_label}), code),
      create ? h("div", {class: "field"}, h("label", {for: "field-code-confirm", text: T.code_confirm}), confirm) : null,
      error, h("div", {class: "actions"}, button),
      state.captures.length ? h("p", {class: "meta", "data-testid": "pending-count", text: pendingText()}) : null);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.textContent = "";
      if (code.value.length < 6) { error.textContent = T.code_too_short; return; }
      if (create && code.value !== confirm.value) { error.textContent = T.code_mismatch; return; }
      button.disabled = true;
      button.textContent = T.working;
      done(code.value).catch(function () {
        button.disabled = false;
        button.textContent = create ? T.code_set : T.code_unlock;
        error.textContent = T.code_wrong;
        code.value = "";
        code.focus();
      });
    });
    main.replaceChildren(form);
    code.focus();
  }

  function started() {
    touch();
    state.notice = "";
    return getMeta("caseload").then(function (box) {
      return box ? decrypt(box).catch(function () { return null; }) : null;
    }).then(function (caseload) {
      state.caseload = caseload;
      return refreshCaptures();
    }).then(function () {
      if (!state.listening) {
        state.listening = true;
        window.addEventListener("hashchange", route);
        window.addEventListener("online", function () { renderStatus(); refreshCaseload().then(sync); });
        window.addEventListener("offline", renderStatus);
      }
      route();
      if (navigator.onLine) refreshCaseload().then(sync);
    });
  }

  function refreshCaptures() {
    return allCaptures().then(function (list) {
      state.captures = list.sort(function (a, b) { return a.created - b.created; });
      return Promise.all(state.captures.map(function (c) {
        return decrypt(c.box).then(function (body) { c.body = body; }, function () { c.body = null; });
      }));
    }).then(renderStatus);
  }

  function refreshCaseload() {
    if (!state.currentKid) return Promise.resolve();
    return fetch(config.urls.caseload, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (r.status === 403) {  // no team: say so (the server's French message)
        return r.json().then(function (body) { state.error = body.message; renderStatus(); return null; });
      }
      if (r.status === 401 || r.redirected) { state.sessionLost = true; renderStatus(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      state.caseload = data;
      return encrypt(data).then(function (box) { return setMeta("caseload", box); }).then(function () {
        if (!document.querySelector("form[data-editing]")) route();
      });
    }).catch(function () { /* no network: the cached caseload stays */ });
  }

  // Status bar ----------------------------------------------------------------------------------

  function pendingText() {
    var n = state.captures.length;
    return n === 0 ? T.nothing_pending : fmt(n === 1 ? T.pending_one : T.pending_many, {n: n});
  }

  function renderStatus() {
    var bar = document.getElementById("field-status");
    if (!bar) return;
    var refused = state.captures.filter(function (c) { return c.status !== "pending"; }).length;
    var when = state.lastSync ? new Date(state.lastSync).toLocaleString("fr-FR", {
      day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit"}) : T.never;
    bar.replaceChildren(
      h("span", {class: "tag " + (navigator.onLine ? "ok" : "off"), "data-testid": "network",
                 text: navigator.onLine ? T.online : T.offline}),
      h("a", {href: "#attente", "data-testid": "pending-count", text: pendingText()}),
      refused ? h("span", {class: "tag danger", "data-testid": "needs-attention",
                           text: fmt(T.needs_attention, {n: refused})}) : null,
      h("span", {class: "meta", "data-testid": "last-sync", text: fmt(T.last_sync, {when: when})}),
      h("button", {type: "button", class: "link", "data-testid": "sync-now", disabled: state.syncing,
                   on: {click: function () { sync(true); }}, text: state.syncing ? T.syncing : T.sync_now}),
      state.sessionLost ? h("a", {class: "error", href: config.urls.login, "data-testid": "session-lost",
                                  text: T.session_lost}) : null,
      state.error ? h("p", {class: "error", role: "alert", "data-testid": "field-error", text: state.error}) : null);
  }

  function toast(text, actions) {
    var box = document.getElementById("field-toast");
    box.replaceChildren(h("p", {class: "msg success", role: "status", "data-testid": "toast"}, text, " ", actions || null));
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.replaceChildren(); }, 15000);
  }

  // Captures --------------------------------------------------------------------------------------

  function person(id) {
    var list = state.caseload ? state.caseload.persons : [];
    for (var i = 0; i < list.length; i++) if (list[i].id === Number(id)) return list[i];
    return null;
  }
  function service(id) {
    var list = state.caseload ? state.caseload.services : [];
    for (var i = 0; i < list.length; i++) if (list[i].id === Number(id)) return list[i];
    return null;
  }
  function recordingServices() {
    return (state.caseload ? state.caseload.services : []).filter(function (s) { return s.records; });
  }
  function seen(ids) {
    return ids.map(function (id) {
      var p = person(id);
      return {id: Number(id), version: p ? p.version : 0};
    });
  }

  // Saves a capture (new, or the correction of one kept on the phone) and plans a sync.
  function saveCapture(kind, data, ids, summary, existing) {
    state.editing = null;
    var id = existing ? existing.uuid : uuid4();
    var payload = {client_uuid: id, kind: kind, captured_at: new Date().toISOString(), persons_seen: seen(ids)};
    payload[kind] = data;
    var body = {payload: payload, summary: summary};
    return encrypt(body).then(function (box) {
      var rec = {uuid: id, kind: kind, created: existing ? existing.created : Date.now(), status: "pending",
                 message: "", kid: box.kid, box: box};
      return putCapture(rec).then(function () { return refreshCaptures(); }).then(function () {
        planSync();
        return rec;
      });
    });
  }

  function planSync() {
    clearTimeout(state.syncTimer);
    state.syncTimer = setTimeout(function () { sync(false); }, 10000);
  }

  function sync(manual) {
    if (state.syncing) return Promise.resolve();
    // A capture being completed on screen is sent once saved, not half-way.
    var todo = state.captures.filter(function (c) { return c.status === "pending" && c.body && c.uuid !== state.editing; });
    if (!todo.length) { if (manual) { state.error = ""; renderStatus(); } return Promise.resolve(); }
    if (!navigator.onLine) { state.error = T.no_network; renderStatus(); return Promise.resolve(); }
    state.syncing = true; state.error = ""; renderStatus();
    var changed = false;
    var batches = [];
    for (var i = 0; i < todo.length; i += BATCH) batches.push(todo.slice(i, i + BATCH));
    var chain = Promise.resolve();
    batches.forEach(function (batch) {
      chain = chain.then(function () {
        return fetch(config.urls.sync, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
          body: JSON.stringify({items: batch.map(function (c) { return c.body.payload; })}),
        }).then(function (r) {
          if (r.status === 401 || r.status === 403 || r.redirected) {
            state.sessionLost = true;
            throw new Error(T.session_lost);
          }
          return r.json().then(function (data) {
            if (!r.ok) throw new Error(data && data.message ? data.message : T.sync_failed);
            state.sessionLost = false;
            return applyResults(batch, data.results);
          });
        }).then(function (any) { if (any) changed = true; });
      });
    });
    return chain.then(function () {
      state.lastSync = Date.now();
      return setMeta("lastSync", state.lastSync);
    }).catch(function (error) {
      state.error = error instanceof TypeError ? T.no_network : (error.message || T.sync_failed);
    }).then(function () {
      state.syncing = false;
      return refreshCaptures();
    }).then(function () {
      if (changed) return refreshCaseload();
      route();
    });
  }

  function applyResults(batch, results) {
    var byId = {};
    batch.forEach(function (c) { byId[c.uuid] = c; });
    var work = [];
    var done = false;
    results.forEach(function (r) {
      var c = byId[r.client_uuid];
      if (!c) return;
      if (r.status === "created" || r.status === "already_applied") {
        done = true;
        work.push(delCapture(c.uuid));
        return;
      }
      var body = c.body;
      body.conflict = r.status === "conflict" ? r.persons : null;
      work.push(encrypt(body).then(function (box) {
        return putCapture({uuid: c.uuid, kind: c.kind, created: c.created, status: r.status,
                           message: r.message || T.sync_failed, kid: box.kid, box: box});
      }));
    });
    return Promise.all(work).then(function () { return done; });
  }

  // Screens -------------------------------------------------------------------------------------

  function route() {
    renderStatus();
    var hash = location.hash.replace(/^#/, "");
    var parts = hash.split("/");
    var wasEditing = state.editing;
    state.editing = parts[0] === "corriger" ? parts[1] : null;
    if (wasEditing && !state.editing) planSync();
    if (!state.caseload && ["attente", "corriger"].indexOf(parts[0]) < 0) return noCaseload();
    var screen = {
      "": caseloadScreen, p: personScreen, rencontre: encounterScreen, maraude: roundScreen,
      note: noteScreen, attente: pendingScreen, corriger: correctScreen,
    }[parts[0]] || caseloadScreen;
    screen(parts[1]);
    var heading = main.querySelector("h1");
    if (heading && parts[0]) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  function noCaseload() {
    main.replaceChildren(h("section", {class: "card"}, h("h1", {text: T.app_title}),
      h("p", {class: "empty", "data-testid": "no-caseload",
              text: navigator.onLine ? T.loading : T.no_caseload_offline}),
      h("p", {}, h("a", {href: "#attente", text: T.pending_title}))));
  }

  function menu() {
    var can = recordingServices().length > 0;
    return h("nav", {class: "field-actions", "aria-label": T.field_menu},
      can ? h("a", {class: "button", href: "#maraude", "data-testid": "go-round", text: T.street_round}) : null,
      can ? h("a", {class: "button", href: "#rencontre", "data-testid": "go-encounter", text: T.new_encounter}) : null,
      h("a", {class: "button", href: "#attente", "data-testid": "go-pending", text: T.pending_title}));
  }

  function caseloadScreen() {
    var list = h("ul", {class: "rows", "data-testid": "field-caseload"});
    var filter = h("input", {type: "search", id: "field-filter", autocomplete: "off", maxlength: "100"});
    function draw() {
      var q = fold(filter.value);
      var rows = state.caseload.persons.filter(function (p) { return !q || fold(p.name).indexOf(q) >= 0; });
      list.replaceChildren.apply(list, rows.length ? rows.map(personRow) : [h("li", {class: "empty", text: T.nobody})]);
    }
    filter.addEventListener("input", draw);
    draw();
    main.replaceChildren(
      h("div", {class: "heading"}, h("h1", {text: T.caseload_title})), menu(),
      h("div", {class: "field"}, h("label", {for: "field-filter", text: T.filter}), filter),
      h("p", {class: "count", text: fmt(T.persons_count, {n: state.caseload.persons.length})}), list);
  }

  function personRow(p) {
    var svc = service(p.service);
    return h("li", {class: "field-row", "data-testid": "field-person-" + p.id},
      h("a", {class: "row-link", href: "#p/" + p.id}, h("strong", {text: p.name}),
        h("span", {class: "meta", text: [svc ? svc.name : "", p.card.last_seen ? fmt(T.last_seen, {date: p.card.last_seen}) : ""]
          .filter(Boolean).join(" · ")})),
      quickButton(p));
  }

  function quickButton(p) {
    var svc = service(p.service);
    if (!svc || !svc.act) return null;
    return h("button", {type: "button", class: "primary quick", "data-testid": "quick-" + p.id,
                        on: {click: function (event) { event.preventDefault(); quick(p); }}, text: T.met_today});
  }

  // « Rencontré aujourd'hui »: one tap records the encounter with the usual act; the toast offers the rest.
  function quick(p) {
    var svc = service(p.service);
    var data = {service: svc.id, occurred_at: new Date().toISOString(), place_kind: svc.place_kind, mode: svc.mode,
                persons: [p.id], acts: [{kind: svc.act, person: p.id}], anonymous_contacts: 0};
    return saveCapture("encounter", data, [p.id], fmt(T.summary_quick, {name: p.name, act: label(config.choices.acts, svc.act)}))
      .then(function (rec) {
        toast(fmt(T.quick_saved, {name: p.name, act: label(config.choices.acts, svc.act)}), [
          h("a", {href: "#corriger/" + rec.uuid, "data-testid": "quick-details", text: T.add_details}), " ",
          h("button", {type: "button", class: "link", "data-testid": "quick-undo", text: T.undo, on: {click: function () {
            var c = captureById(rec.uuid);
            if (!c || c.status !== "pending") return;
            delCapture(rec.uuid).then(refreshCaptures).then(function () { toast(T.undone); route(); });
          }}})]);
      });
  }

  function captureById(id) {
    for (var i = 0; i < state.captures.length; i++) if (state.captures[i].uuid === id) return state.captures[i];
    return null;
  }

  function personScreen(id) {
    var p = person(id);
    if (!p) { main.replaceChildren(h("p", {class: "empty", text: T.not_in_caseload})); return; }
    var svc = service(p.service);
    var facts = [[T.sex, p.sex], [T.age, p.age === null ? "—" : String(p.age)]];
    var card = p.card;
    if ("living" in card) facts.push([T.living, card.living || "—"], [T.languages, card.languages || "—"],
                                     [T.last_seen_label, card.last_seen || "—"]);
    if ("phone" in card) facts.push([T.phone, card.phone || "—"]);
    if ("allergies" in card) facts.push([T.allergies, card.allergies || "—"], [T.treatments, card.treatments || "—"]);
    main.replaceChildren(
      h("p", {class: "crumb"}, h("a", {href: "#", text: "← " + T.caseload_title})),
      h("h1", {text: p.name}),
      h("div", {class: "actions field-actions"}, quickButton(p),
        svc ? h("a", {class: "button", href: "#rencontre/" + p.id, "data-testid": "detailed-encounter", text: T.detailed_encounter}) : null,
        p.note_compartments.length ? h("a", {class: "button", href: "#note/" + p.id, "data-testid": "quick-note", text: T.quick_note}) : null,
        navigator.onLine ? h("a", {href: config.urls.person.replace("/0/", "/" + p.id + "/"), text: T.full_record}) : null),
      h("section", {class: "card"}, h("dl", {class: "facts"}, facts.map(function (f) {
        return [h("dt", {text: f[0]}), h("dd", {text: f[1]})];
      }))));
  }

  // Person search over the cached caseload (the list of those already added is skipped: no duplicates).
  function personPicker(taken, add, testid) {
    var input = h("input", {type: "search", id: "pick-" + testid, autocomplete: "off", maxlength: "100",
                            "data-testid": testid});
    var results = h("ul", {class: "rows", "aria-live": "polite"});
    input.addEventListener("input", function () {
      var q = fold(input.value);
      var found = !q ? [] : state.caseload.persons.filter(function (p) {
        return taken().indexOf(p.id) < 0 && fold(p.name).indexOf(q) >= 0;
      }).slice(0, 8);
      results.replaceChildren.apply(results, found.map(function (p) {
        return h("li", {class: "member"}, h("span", {text: p.name}),
          h("button", {type: "button", "data-testid": "add-person-" + p.id, text: T.add,
                       on: {click: function () { add(p); }}}));
      }).concat(q && !found.length ? [h("li", {class: "empty", text: T.nobody})] : []));
    });
    return h("div", {class: "field pick"}, h("label", {for: "pick-" + testid, text: T.search_person}), input, results);
  }

  function removeButton(text, onClick, testid) {
    return h("button", {type: "button", class: "link remove", "aria-label": text, title: text,
                        "data-testid": testid, on: {click: onClick}, text: "✕ " + T.remove});
  }

  function fieldSelect(id, text, choices, value, onChange, blank) {
    var select = h("select", {id: id, on: {change: function () { onChange(select.value); }}}, options(choices, value, blank));
    return h("div", {class: "field"}, h("label", {for: id, text: text}), select);
  }

  function serviceChoices() { return recordingServices().map(function (s) { return [s.id, s.name]; }); }
  function actChoices(serviceId) {
    var svc = service(serviceId);
    var allowed = svc ? svc.acts : [];
    return config.choices.acts.filter(function (c) { return allowed.indexOf(c[0]) >= 0; });
  }

  // The detailed encounter: several persons, acts, an orientation; rows can be removed.
  function encounterScreen(personId, existing) {
    var first = personId ? person(personId) : null;
    var services = recordingServices();
    var svc0 = first && service(first.service) ? service(first.service) : services[0];
    var body = existing ? existing.body.payload.encounter : null;
    var s = body ? {
      service: body.service, occurred_at: toLocal(body.occurred_at), place_kind: body.place_kind, mode: body.mode,
      persons: body.persons.slice(), acts: body.acts.map(function (a) { return {kind: a.kind, person: a.person, details: a.details || ""}; }),
      orientation: body.orientations && body.orientations[0] ? Object.assign({}, body.orientations[0]) : null,
      custom: Object.assign({}, body.custom || {}),
    } : {
      service: svc0 ? svc0.id : null, occurred_at: localNow(), place_kind: svc0 ? svc0.place_kind : "street",
      mode: svc0 && svc0.mode !== "street_round" ? svc0.mode : "visit", persons: first ? [first.id] : [],
      acts: [{kind: svc0 ? svc0.act : "", person: first ? first.id : null, details: ""}], orientation: null,
      custom: {},
    };
    if (existing && existing.body.payload.encounter.new_persons && existing.body.payload.encounter.new_persons.length) {
      return roundScreen(null, existing);
    }
    var error = h("p", {class: "error", role: "alert", "data-testid": "form-error"});
    var form = h("form", {class: "card", novalidate: true, "data-editing": "1", id: "field-encounter"});
    function draw() {
      var acts = actChoices(s.service);
      var people = s.persons.map(function (id) { var p = person(id); return [id, p ? p.name : "#" + id]; });
      form.replaceChildren(
        fieldSelect("enc-service", T.service, serviceChoices(), s.service, function (v) { s.service = Number(v); draw(); }),
        h("div", {class: "field"}, h("label", {for: "enc-when", text: T.when}),
          h("input", {type: "datetime-local", id: "enc-when", value: s.occurred_at,
                      on: {change: function (e) { s.occurred_at = e.target.value; }}})),
        fieldSelect("enc-place", T.place, config.choices.places, s.place_kind, function (v) { s.place_kind = v; }),
        fieldSelect("enc-mode", T.mode, config.choices.modes, s.mode, function (v) { s.mode = v; }),
        h("fieldset", {}, h("legend", {text: T.persons_met}),
          h("ul", {class: "rows", "data-testid": "enc-persons"}, people.map(function (pp) {
            return h("li", {class: "member", "data-testid": "enc-person-" + pp[0]}, h("strong", {text: pp[1]}),
              removeButton(fmt(T.remove_person, {name: pp[1]}), function () {
                s.persons = s.persons.filter(function (x) { return x !== pp[0]; });
                s.acts.forEach(function (a) { if (a.person === pp[0]) a.person = null; });
                draw();
              }, "remove-person-" + pp[0]));
          }))),
        h("fieldset", {}, h("legend", {text: T.acts}),
          h("ul", {class: "rows", "data-testid": "enc-acts"}, s.acts.map(function (a, i) {
            return h("li", {class: "act-row", "data-testid": "enc-act-row"},
              fieldSelect("enc-act-" + i, T.act, acts, a.kind, function (v) { a.kind = v; }, "—"),
              people.length > 1 ? fieldSelect("enc-act-person-" + i, T.for_whom, people, a.person,
                                              function (v) { a.person = Number(v) || null; }, "—") : null,
              h("div", {class: "field"}, h("label", {for: "enc-act-details-" + i, text: T.details}),
                h("textarea", {id: "enc-act-details-" + i, rows: "2", maxlength: "5000", value: a.details,
                               on: {input: function (e) { a.details = e.target.value; }}})),
              removeButton(T.remove_act, function () { s.acts.splice(i, 1); draw(); }, "remove-act-" + i));
          })),
          h("button", {type: "button", "data-testid": "add-act", text: T.add_act,
                       on: {click: function () { s.acts.push({kind: "", person: null, details: ""}); draw(); }}})),
        orientationBlock(s, people, draw),
        customBlock(s),
        personPicker(function () { return s.persons; }, function (p) {
          if (s.persons.indexOf(p.id) < 0) s.persons.push(p.id);
          draw();
        }, "enc-search"),
        error,
        h("div", {class: "actions"},
          h("button", {type: "submit", class: "primary", "data-testid": "save-encounter", text: T.save_encounter}),
          h("a", {href: existing ? "#attente" : (first ? "#p/" + first.id : "#"), text: T.cancel})));
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.textContent = "";
      if (!s.service) { error.textContent = T.choose_service; return; }
      if (!s.persons.length) { error.textContent = T.nobody_met; return; }
      var acts = [];
      for (var i = 0; i < s.acts.length; i++) {
        var a = s.acts[i];
        if (!a.kind) { error.textContent = T.act_kind_missing; return; }
        var whom = s.persons.length === 1 ? s.persons[0] : a.person;
        if (!whom) { error.textContent = T.act_person_missing; return; }
        acts.push({kind: a.kind, person: whom, details: a.details});
      }
      var orientations = [];
      if (s.orientation) {
        var o = s.orientation;
        if (!o.target) { error.textContent = T.orientation_target_missing; return; }
        var to = s.persons.length === 1 ? s.persons[0] : o.person;
        if (!to) { error.textContent = T.act_person_missing; return; }
        orientations.push({kind: o.kind || "orientation", target: o.target, partner_name: o.partner_name || "",
                           appointment_on: o.appointment_on || null, person: to});
      }
      var data = {service: s.service, occurred_at: new Date(s.occurred_at).toISOString(), place_kind: s.place_kind,
                  mode: s.mode, persons: s.persons.slice(), acts: acts, orientations: orientations, anonymous_contacts: 0,
                  custom: customValues(s)};
      var names = s.persons.map(function (id) { var p = person(id); return p ? p.name : "#" + id; }).join(", ");
      saveCapture("encounter", data, s.persons, fmt(T.summary_encounter, {names: names}), existing).then(function () {
        toast(T.saved_on_phone);
        location.hash = s.persons.length === 1 ? "#p/" + s.persons[0] : "#";
      });
    });
    draw();
    main.replaceChildren(h("h1", {text: existing ? T.correct_title : T.new_encounter}), form);
  }

  // The service's own encounter fields (cached with the caseload: only those of compartments the user holds).
  function customFields(serviceId) {
    var svc = service(serviceId);
    return svc && svc.custom_fields ? svc.custom_fields : [];
  }
  function customValues(s) {
    var out = {};
    customFields(s.service).forEach(function (f) {
      var v = s.custom["cf_" + f.id];
      if (v !== undefined && v !== null && v !== "") out["cf_" + f.id] = v;
    });
    return out;
  }
  function customBlock(s) {
    var fields = customFields(s.service);
    if (!fields.length) return null;
    return h("fieldset", {"data-testid": "enc-custom"}, h("legend", {text: T.team_fields}), fields.map(function (f) {
      var key = "cf_" + f.id, id = "enc-cf-" + f.id, value = s.custom[key];
      function set(v) { s.custom[key] = v; }
      if (f.kind === "choice") {
        return fieldSelect(id, f.label, f.options.map(function (o) { return [o, o]; }), value, set, "—");
      }
      if (f.kind === "yes_no") {
        var current = value === true ? "true" : (value === false ? "false" : "");
        return fieldSelect(id, f.label, [["true", T.yes], ["false", T.no]], current, function (v) {
          set(v === "" ? "" : v === "true");
        }, "—");
      }
      var type = f.kind === "number" ? "number" : (f.kind === "date" ? "date" : "text");
      var input = h("input", {type: type, id: id, value: value === undefined || value === null ? "" : String(value),
                              "data-testid": "enc-" + key, maxlength: type === "text" ? "1000" : null,
                              step: type === "number" ? "any" : null,
                              on: {input: function (e) { set(e.target.value); }}});
      return h("div", {class: "field"}, h("label", {for: id, text: f.label}), input);
    }));
  }

  function orientationBlock(s, people, draw) {
    if (!s.orientation) {
      return h("button", {type: "button", "data-testid": "add-orientation", text: T.add_orientation,
                          on: {click: function () { s.orientation = {kind: "orientation", target: "", partner_name: ""}; draw(); }}});
    }
    var o = s.orientation;
    return h("fieldset", {"data-testid": "orientation"}, h("legend", {text: T.orientation}),
      fieldSelect("enc-or-kind", T.orientation_kind, config.choices.orientation_kinds, o.kind, function (v) { o.kind = v; }),
      fieldSelect("enc-or-target", T.orientation_target, config.choices.targets, o.target, function (v) { o.target = v; }, "—"),
      h("div", {class: "field"}, h("label", {for: "enc-or-partner", text: T.partner_name}),
        h("input", {id: "enc-or-partner", maxlength: "160", value: o.partner_name || "",
                    on: {input: function (e) { o.partner_name = e.target.value; }}})),
      h("div", {class: "field"}, h("label", {for: "enc-or-date", text: T.appointment_on}),
        h("input", {type: "date", id: "enc-or-date", value: o.appointment_on || "",
                    on: {change: function (e) { o.appointment_on = e.target.value; }}})),
      people.length > 1 ? fieldSelect("enc-or-person", T.for_whom, people, o.person, function (v) { o.person = Number(v) || null; }, "—") : null,
      removeButton(T.remove_orientation, function () { s.orientation = null; draw(); }, "remove-orientation"));
  }

  function toLocal(iso) {
    var d = new Date(iso);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  // Street round: known persons (several acts each), new persons, anonymous contacts counted.
  function roundScreen(_arg, existing) {
    var services = recordingServices();
    var svc0 = services[0];
    var body = existing ? existing.body.payload.encounter : null;
    var s = body ? {
      service: body.service, occurred_at: toLocal(body.occurred_at), place_kind: body.place_kind,
      known: body.persons.map(function (id) {
        return {id: id, acts: body.acts.filter(function (a) { return a.person === id; }).map(function (a) { return a.kind; })};
      }),
      news: body.new_persons.map(function (n, i) {
        var act = body.acts.filter(function (a) { return a.new_person === i; })[0];
        return {alias: n.alias || "", first_name: n.first_name || "", sex: n.sex || "unknown",
                estimated_age: n.estimated_age === null || n.estimated_age === undefined ? "" : String(n.estimated_age),
                act: act ? act.kind : ""};
      }),
      anonymous: body.anonymous_contacts || 0,
    } : {service: svc0 ? svc0.id : null, occurred_at: localNow(), place_kind: "street", known: [], news: [], anonymous: 0};
    var error = h("p", {class: "error", role: "alert", "data-testid": "form-error"});
    var form = h("form", {class: "card", novalidate: true, "data-editing": "1", id: "field-round"});
    var counter = null;
    function draw() {
      var acts = actChoices(s.service);
      counter = h("input", {type: "number", id: "round-anonymous", min: "0", max: "1000", inputmode: "numeric",
                            value: String(s.anonymous), "data-testid": "anon-count",
                            on: {input: function (e) { s.anonymous = Math.max(0, parseInt(e.target.value, 10) || 0); }}});
      form.replaceChildren(
        fieldSelect("round-service", T.service, serviceChoices(), s.service, function (v) { s.service = Number(v); draw(); }),
        h("div", {class: "field"}, h("label", {for: "round-when", text: T.when}),
          h("input", {type: "datetime-local", id: "round-when", value: s.occurred_at,
                      on: {change: function (e) { s.occurred_at = e.target.value; }}})),
        fieldSelect("round-place", T.place, config.choices.places, s.place_kind, function (v) { s.place_kind = v; }),
        h("fieldset", {}, h("legend", {text: T.known_persons}),
          h("ul", {class: "rows", "data-testid": "round-known"}, s.known.map(function (k, i) {
            var p = person(k.id);
            return h("li", {"data-testid": "round-known-" + k.id},
              h("div", {class: "member"}, h("strong", {text: p ? p.name : "#" + k.id}),
                removeButton(T.remove, function () { s.known.splice(i, 1); draw(); }, "remove-known-" + k.id)),
              k.acts.map(function (kind, j) {
                return h("div", {class: "inline act-row"},
                  fieldSelect("round-act-" + k.id + "-" + j, T.act, acts, kind, function (v) { k.acts[j] = v; }, "—"),
                  removeButton(T.remove_act, function () { k.acts.splice(j, 1); draw(); }, "remove-known-act-" + k.id + "-" + j));
              }),
              h("button", {type: "button", "data-testid": "add-known-act-" + k.id, text: T.add_act,
                           on: {click: function () { k.acts.push(""); draw(); }}}));
          })),
          personPicker(function () { return s.known.map(function (k) { return k.id; }); }, function (p) {
            if (!s.known.some(function (k) { return k.id === p.id; })) s.known.push({id: p.id, acts: [""]});
            draw();
          }, "round-search")),
        h("fieldset", {}, h("legend", {text: T.new_persons}),
          h("ul", {class: "rows", "data-testid": "round-new"}, s.news.map(function (n, i) {
            function input(name, text, type) {
              return h("div", {class: "field"}, h("label", {for: "round-new-" + name + "-" + i, text: text}),
                h("input", {id: "round-new-" + name + "-" + i, type: type || "text", maxlength: "100", value: n[name],
                            inputmode: type === "number" ? "numeric" : null,
                            on: {input: function (e) { n[name] = e.target.value; }}}));
            }
            return h("li", {"data-testid": "round-new-row"}, input("alias", T.alias), input("first_name", T.first_name),
              fieldSelect("round-new-sex-" + i, T.sex, config.choices.sexes, n.sex, function (v) { n.sex = v; }),
              input("estimated_age", T.estimated_age, "number"),
              fieldSelect("round-new-act-" + i, T.act, acts, n.act, function (v) { n.act = v; }, "—"),
              removeButton(T.remove, function () { s.news.splice(i, 1); draw(); }, "remove-new-" + i));
          })),
          h("button", {type: "button", "data-testid": "add-new-person", text: T.add_new_person,
                       on: {click: function () { s.news.push({alias: "", first_name: "", sex: "unknown", estimated_age: "", act: ""}); draw(); }}})),
        h("fieldset", {}, h("legend", {text: T.anonymous_contacts}),
          h("div", {class: "inline counter"},
            h("button", {type: "button", "data-testid": "anon-minus", "aria-label": T.minus_one, text: "−",
                         on: {click: function () { s.anonymous = Math.max(0, s.anonymous - 1); counter.value = s.anonymous; }}}),
            h("label", {for: "round-anonymous", class: "sr-only", text: T.anonymous_contacts}), counter,
            h("button", {type: "button", "data-testid": "anon-plus", "aria-label": T.plus_one, text: "+",
                         on: {click: function () { s.anonymous = Math.min(1000, s.anonymous + 1); counter.value = s.anonymous; }}}))),
        error,
        h("div", {class: "actions"},
          h("button", {type: "submit", class: "primary", "data-testid": "save-round", text: T.save_round}),
          h("a", {href: existing ? "#attente" : "#", text: T.cancel})));
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.textContent = "";
      if (!s.service) { error.textContent = T.choose_service; return; }
      var news = s.news.filter(function (n) { return n.alias.trim() || n.first_name.trim(); });
      if (news.length !== s.news.length) { error.textContent = T.new_person_name_missing; return; }
      if (!s.known.length && !news.length && !s.anonymous) { error.textContent = T.nobody_met; return; }
      var acts = [];
      for (var i = 0; i < s.known.length; i++) {
        var kinds = s.known[i].acts.filter(Boolean);
        for (var j = 0; j < kinds.length; j++) acts.push({kind: kinds[j], person: s.known[i].id});
      }
      news.forEach(function (n, idx) { if (n.act) acts.push({kind: n.act, new_person: idx}); });
      var data = {
        service: s.service, occurred_at: new Date(s.occurred_at).toISOString(), place_kind: s.place_kind,
        mode: "street_round", persons: s.known.map(function (k) { return k.id; }),
        new_persons: news.map(function (n) {
          var age = parseInt(n.estimated_age, 10);
          return {alias: n.alias.trim(), first_name: n.first_name.trim(), sex: n.sex,
                  estimated_age: isNaN(age) ? null : age};
        }),
        anonymous_contacts: s.anonymous, acts: acts, orientations: [],
      };
      var summary = fmt(T.summary_round, {known: s.known.length, news: news.length, anonymous: s.anonymous});
      saveCapture("encounter", data, data.persons, summary, existing).then(function () {
        toast(T.saved_on_phone);
        location.hash = "#";
      });
    });
    draw();
    main.replaceChildren(h("h1", {text: existing ? T.correct_title : T.street_round}), form);
  }

  function noteScreen(personId, existing) {
    var body = existing ? existing.body.payload.note : null;
    var p = person(body ? body.person : personId);
    if (!p) { main.replaceChildren(h("p", {class: "empty", text: T.not_in_caseload})); return; }
    var comps = config.choices.compartments.filter(function (c) { return p.note_compartments.indexOf(c[0]) >= 0; });
    var text = h("textarea", {id: "note-text", rows: "5", maxlength: "5000", value: body ? body.text : "",
                              "data-testid": "note-text"});
    var comp = h("select", {id: "note-compartment"}, options(comps, body ? body.compartment : (comps[0] || [])[0]));
    var error = h("p", {class: "error", role: "alert", "data-testid": "form-error"});
    var form = h("form", {class: "card", novalidate: true, "data-editing": "1"},
      h("div", {class: "field"}, h("label", {for: "note-compartment", text: T.compartment}), comp),
      h("div", {class: "field"}, h("label", {for: "note-text", text: T.note}), text), error,
      h("div", {class: "actions"}, h("button", {type: "submit", class: "primary", "data-testid": "save-note", text: T.save_note}),
        h("a", {href: existing ? "#attente" : "#p/" + p.id, text: T.cancel})));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!text.value.trim()) { error.textContent = T.note_empty; return; }
      var data = {person: p.id, compartment: comp.value, text: text.value.trim()};
      saveCapture("note", data, [p.id], fmt(T.summary_note, {name: p.name}), existing).then(function () {
        toast(T.saved_on_phone);
        location.hash = "#p/" + p.id;
      });
    });
    main.replaceChildren(h("p", {class: "crumb"}, h("a", {href: "#p/" + p.id, text: "← " + p.name})),
      h("h1", {text: existing ? T.correct_title : T.quick_note}), form);
  }

  function correctScreen(id) {
    var c = captureById(id);
    if (!c || !c.body) {  // already sent: it can be completed from the full record
      main.replaceChildren(h("p", {class: "msg", text: T.already_sent}), h("a", {href: "#", text: T.caseload_title}));
      return;
    }
    if (c.kind === "note") return noteScreen(null, c);
    return encounterScreen(null, c);
  }

  function pendingScreen() {
    var rows = state.captures.map(function (c) {
      var body = c.body;
      var statusText = {pending: T.status_pending, refused: T.status_refused, conflict: T.status_conflict}[c.status] || c.status;
      return h("li", {class: "pending " + c.status, "data-testid": "capture-" + c.uuid, "data-status": c.status},
        h("strong", {text: body ? body.summary : T.cannot_read}),
        h("span", {class: "meta", text: new Date(c.created).toLocaleString("fr-FR") + " · " + statusText}),
        c.status !== "pending" ? h("p", {class: "error", "data-testid": "capture-message", text: c.message}) : null,
        body && body.conflict ? h("ul", {class: "alerts"}, body.conflict.map(function (p) {
          return h("li", {class: "alert", text: fmt(T.changed_on_server, {name: p.name})});
        })) : null,
        h("div", {class: "actions"},
          c.status === "conflict" && body ? h("button", {type: "button", "data-testid": "keep-capture", text: T.record_anyway,
            on: {click: function () { recordAnyway(c); }}}) : null,
          c.status === "refused" ? h("button", {type: "button", "data-testid": "retry-capture", text: T.retry,
            on: {click: function () { setStatus(c, "pending").then(function () { sync(true); }); }}}) : null,
          body && c.status !== "pending" ? h("a", {class: "button", href: "#corriger/" + c.uuid, "data-testid": "correct-capture", text: T.correct}) : null,
          h("button", {type: "button", class: "link danger", "data-testid": "discard-capture", text: T.discard,
            on: {click: function () {
              if (!window.confirm(T.discard_confirm)) return;
              delCapture(c.uuid).then(refreshCaptures).then(route);
            }}})));
    });
    main.replaceChildren(h("p", {class: "crumb"}, h("a", {href: "#", text: "← " + T.caseload_title})),
      h("h1", {text: T.pending_title}),
      h("ul", {class: "rows", "data-testid": "captures"}, rows.length ? rows : h("li", {class: "empty", text: T.nothing_pending})),
      h("button", {type: "button", class: "primary", text: T.sync_now, on: {click: function () { sync(true); }}}));
  }

  function setStatus(c, status) {
    var body = c.body;
    return encrypt(body).then(function (box) {
      return putCapture({uuid: c.uuid, kind: c.kind, created: c.created, status: status, message: "", kid: box.kid, box: box});
    }).then(refreshCaptures);
  }

  // The user has looked at the person's current record: the capture now refers to that version.
  function recordAnyway(c) {
    var body = c.body;
    (body.conflict || []).forEach(function (changed) {
      body.payload.persons_seen.forEach(function (s) { if (s.id === changed.id) s.version = changed.version; });
    });
    body.conflict = null;
    return setStatus(c, "pending").then(function () { return sync(true); });
  }

  boot();
})();
