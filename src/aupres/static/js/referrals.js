// Referral form (issue #13): a document over the size limit is refused in the browser, before the upload,
// with the message beside its field; the limit is announced on the page (data-max-bytes, data-too-large).
(function () {
  "use strict";
  function refuse(input, box, message) {
    box.textContent = message;
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.value = "";
    return false;
  }
  function check(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var box = input.parentNode.querySelector("[data-file-error]");
    if (!box || !max) { return true; }
    var file = input.files && input.files[0];
    if (file && file.size > max) {
      var mb = (file.size / 1048576).toFixed(1).replace(".", ",");
      return refuse(input, box, (input.getAttribute("data-too-large") || "").replace("{size}", mb));
    }
    var types = (input.getAttribute("data-types") || "").split(",");
    var dot = file ? file.name.lastIndexOf(".") : -1;
    var ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
    if (file && types[0] && types.indexOf(ext) < 0) {
      return refuse(input, box, input.getAttribute("data-wrong-type") || "");
    }
    box.textContent = "";
    box.hidden = true;
    input.removeAttribute("aria-invalid");
    return true;
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) { check(input); }
  });
  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", focusSummary);
  // Upload progress (htmx sends the form with its files): a bar and a percentage read out.
  function progressBox(form) { return form && form.querySelector("[data-testid=upload-progress]"); }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = progressBox(event.target);
    if (box && event.target.querySelector("input[type=file]")) { box.hidden = false; }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var box = progressBox(event.target);
    if (!box || !event.detail.lengthComputable) { return; }
    var percent = Math.round(100 * event.detail.loaded / event.detail.total);
    box.querySelector("progress").value = percent;
    box.querySelector("[data-upload-percent]").textContent = percent + " %";
  });
  document.addEventListener("htmx:afterSwap", focusSummary);
})();

// Irreversible decisions (decline, forward) ask for a confirmation (issue #13): form[data-confirm]. Without
// JavaScript the server asks on a page of its own; here the dialog answers it (confirmed=1 skips that page).
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (!question) { return; }
  if (!window.confirm(question)) { event.preventDefault(); return; }
  var confirmed = form.querySelector("input[name=confirmed]");
  if (!confirmed) {
    confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    form.appendChild(confirmed);
  }
  confirmed.value = "1";
});
