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
