// The portal's only script (the Content-Security-Policy allows no inline script): upload with progress,
// sortable tables, and the progress of a build. Every page works without it, only less conveniently.
"use strict";

function uploadWithProgress(form) {
  const progress = document.getElementById("upload-progress");
  const state = document.getElementById("upload-state");
  form.addEventListener("submit", (event) => {
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) return;
    event.preventDefault();
    const limit = Number(form.dataset.maxBytes);
    if (limit && file.size > limit) {
      state.textContent = `The file is over the limit of ${limit.toLocaleString("en")} bytes.`;
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (sent) => {
      if (sent.lengthComputable) progress.value = Math.round((100 * sent.loaded) / sent.total);
      state.textContent = progress.value < 100 ? `Uploading: ${progress.value} %` : "Validating…";
    });
    request.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
      if (request.status === 200 && answer.url) {
        window.location.assign(answer.url);
      } else {
        progress.hidden = true;
        state.textContent = answer.error || `The upload failed (HTTP ${request.status}).`;
      }
    });
    request.addEventListener("error", () => { state.textContent = "The upload failed: the connection was lost."; });
    progress.hidden = false;
    progress.value = 0;
    state.textContent = "Uploading: 0 %";
    request.send(new FormData(form));
  });
}

function cellValue(row, index, kind) {
  const text = row.cells[index].textContent.trim();
  if (kind !== "number") return text.toLowerCase();
  const number = parseFloat(text.replace(/,/g, ""));
  return Number.isNaN(number) ? -Infinity : number;
}

function makeSortable(table) {
  table.querySelectorAll("th[data-sort]").forEach((heading, index) => {
    heading.tabIndex = 0;
    const sort = () => {
      const ascending = heading.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach((other) => other.removeAttribute("aria-sort"));
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a, index, heading.dataset.sort);
        const y = cellValue(b, index, heading.dataset.sort);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach((row) => body.appendChild(row));
    };
    heading.addEventListener("click", sort);
    heading.addEventListener("keydown", (event) => { if (event.key === "Enter") sort(); });
  });
}

function followBuild(state, progress) {
  const poll = async () => {
    const answer = await fetch(`/supervisor/builds/${state.dataset.job}`, { headers: { Accept: "application/json" } });
    if (!answer.ok) { state.textContent = `Lost track of the build (HTTP ${answer.status}).`; return; }
    const job = await answer.json();
    const share = job.submissions ? job.validated / job.submissions : 0;
    progress.hidden = job.state !== "running";
    progress.value = Math.round(100 * (job.stage.startsWith("Computing") ? 0.5 + 0.5 * share : 0.5 * share));
    state.textContent = job.stage + (job.submissions ? ` (${job.validated} of ${job.submissions} submissions)` : "")
      + (job.message ? `: ${job.message}` : "");
    if (job.state === "running") window.setTimeout(poll, 700);
    else if (job.state === "done") window.location.reload();
  };
  poll();
}

function buildInBackground(form) {
  const state = document.getElementById("build-state");
  const progress = document.getElementById("build-progress");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
    if (answer.status !== 202) { state.textContent = `The build could not start (HTTP ${answer.status}).`; return; }
    state.dataset.job = (await answer.json()).id;
    followBuild(state, progress);
  });
  if (state.dataset.job && !progress.hidden) followBuild(state, progress);
}

document.addEventListener("DOMContentLoaded", () => {
  const upload = document.getElementById("upload-form");
  if (upload) uploadWithProgress(upload);
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  const build = document.getElementById("build-form");
  if (build) buildInBackground(build);
});
