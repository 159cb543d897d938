// The document upload form (templates/includes/documents.html): says at once
// when a chosen file is over the size limit or of a type that is not taken,
// and keeps such a form from being sent. The server checks everything again;
// without this script the form works the same, only the answer comes later.
"use strict";

(() => {
  const sizeText = (bytes) => {
    const mb = new Intl.NumberFormat("vi-VN", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    if (bytes < 1024) {
      return `${bytes} byte`;
    }
    if (bytes < 1024 * 1024) {
      return `${mb.format(bytes / 1024)} KB`;
    }
    return `${mb.format(bytes / (1024 * 1024))} MB`;
  };

  const fill = (template, values) =>
    template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));

  // The reason a chosen file will be refused, or "" when it looks acceptable.
  const problem = (form, input) => {
    const file = input.files && input.files[0];
    if (!file) {
      return "";
    }
    const accepted = (form.dataset.accept || "").split(",").filter(Boolean);
    const dot = file.name.lastIndexOf(".");
    const ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
    if (accepted.length && !accepted.includes(ext)) {
      return fill(form.dataset.msgType || "", { name: file.name });
    }
    const limit = Number(form.dataset.maxBytes || 0);
    if (limit && file.size > limit) {
      return fill(form.dataset.msgSize || "", {
        name: file.name,
        size: sizeText(file.size),
        limit: sizeText(limit),
      });
    }
    return "";
  };

  const check = (form, input) => {
    const note = form.querySelector(`.upload-check[data-for="${input.id}"]`);
    const reason = problem(form, input);
    if (note) {
      note.textContent = reason;
      note.hidden = !reason;
    }
    if (reason) {
      input.setAttribute("aria-invalid", "true");
    } else if (!input.closest(".has-error")) {
      input.removeAttribute("aria-invalid");
    }
    return reason;
  };

  const isUploadForm = (form) => form instanceof HTMLFormElement && form.matches("form.upload-form");

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && isUploadForm(input.form)) {
      check(input.form, input);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!isUploadForm(form)) {
      return;
    }
    let first = null;
    for (const input of form.querySelectorAll("input[type=file]")) {
      if (check(form, input) && !first) {
        first = input;
      }
    }
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
})();
