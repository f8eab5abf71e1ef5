// Care record: the ICD-10 picker fills the form's code field (id_code) with the code chosen (no inline handlers:
// strict CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-icd-code]");
  if (!button) return;
  var input = document.getElementById("id_code");
  if (!input) return;
  input.value = button.dataset.icdCode;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  var results = document.getElementById("icd10-results");
  if (results) results.innerHTML = "";
  input.focus();
});
