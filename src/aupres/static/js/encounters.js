// Street round: +1 / -1 buttons next to the anonymous contacts counter (no inline handlers: strict CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-step]");
  if (!button) return;
  var input = document.getElementById(button.dataset.for);
  if (!input) return;
  var value = (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10);
  input.value = Math.max(0, Math.min(1000, value));
  input.dispatchEvent(new Event("change", { bubbles: true }));
});

// Rows added by mistake can be removed (persons met, acts, new persons).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-remove-row]");
  if (!button) return;
  var row = button.closest("li");
  if (row) row.remove();
});

// A person is met once: a second "Add" of the same person is dropped.
document.addEventListener("htmx:afterSwap", function (event) {
  var list = document.getElementById("persons");
  if (!list || event.detail.target !== list) return;
  var seen = {};
  Array.prototype.forEach.call(list.querySelectorAll("input[name=person]"), function (input) {
    if (seen[input.value]) input.closest("li").remove();
    seen[input.value] = true;
  });
});
