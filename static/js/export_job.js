// The progress page of a background export (templates/exports/job.html): polls
// the job's status URL and shows the rows done, then the download link or the
// error. Loaded by that page only; no inline script (Content-Security-Policy).
"use strict";

(() => {
  const box = document.querySelector("[data-export-job]");
  if (!box) {
    return;
  }
  const part = (name) => box.querySelector(`[data-export-${name}]`);
  const statusUrl = box.dataset.statusUrl;
  let delay = 1000;

  function show(job) {
    part("status").textContent = job.status_label;
    part("progress").value = job.percent;
    part("progress").textContent = `${job.percent}%`;
    if (job.rows_total) {
      part("rows").textContent = `${job.rows_done.toLocaleString()} / ${job.rows_total.toLocaleString()}`;
    }
    if (job.status === "done") {
      part("download").href = job.download_url;
      part("ready").hidden = false;
      part("wait").hidden = true;
    } else if (job.status === "failed") {
      part("error").textContent = job.error;
      part("error").hidden = false;
      part("wait").hidden = true;
    }
    return job.status === "done" || job.status === "failed";
  }

  async function poll() {
    try {
      const response = await fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok && show(await response.json())) {
        return;
      }
    } catch (error) {
      // A network hiccup: try again a little later.
    }
    delay = Math.min(delay * 1.5, 10000);
    window.setTimeout(poll, delay);
  }

  if (part("ready").hidden && part("error").hidden) {
    window.setTimeout(poll, 500);
  }
})();
