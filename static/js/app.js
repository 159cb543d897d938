// Small behaviours of the pages, loaded by base.html (the Content-Security-Policy
// allows scripts only from this site, so no page has an inline script or handler).
"use strict";

// <input type="checkbox" data-select-all="rows">: ticks or clears every
// checkbox named "rows" in the same form.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) {
    return;
  }
  const scope = box.form || document;
  for (const other of scope.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) {
    other.checked = box.checked;
  }
});
