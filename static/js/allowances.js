// The allowance dossier form: the category list shows the categories of the
// regime chosen (the server checks the pair again). Loaded by the page, no
// inline script (Content-Security-Policy).
"use strict";

function showCategoriesOf(select) {
  const regime = document.getElementById(select.dataset.regimeOf);
  if (!regime) {
    return;
  }
  for (const group of select.querySelectorAll("optgroup[data-regime]")) {
    const shown = !regime.value || group.dataset.regime === regime.value;
    group.hidden = !shown;
    group.disabled = !shown;
  }
  const chosen = select.selectedOptions[0];
  if (chosen && chosen.parentElement.disabled) {
    select.value = "";
  }
}

for (const select of document.querySelectorAll("select[data-regime-of]")) {
  showCategoriesOf(select);
  const regime = document.getElementById(select.dataset.regimeOf);
  if (regime) {
    regime.addEventListener("change", () => showCategoriesOf(select));
  }
}
