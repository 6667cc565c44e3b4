// Keeps the organisers' build page up to date while a build is queued or running.
(function () {
  const section = document.querySelector("[data-status-url]");
  const target = document.getElementById("active-build");
  if (!section || !target) return;
  let wasActive = target.querySelector("progress") !== null;

  function render(active) {
    target.replaceChildren();
    const line = document.createElement("p");
    if (!active) {
      line.textContent = "No build is running.";
      target.append(line);
      return;
    }
    const strong = document.createElement("strong");
    strong.textContent = `Build ${active.id}: ${active.status}`;
    line.append(strong);
    if (active.status === "running") {
      let detail = `, ${active.phase.toLowerCase()}`;
      if (active.slices_to_render) detail += ` (${active.slices_rendered} of ${active.slices_to_render} slices laid out)`;
      line.append(detail);
    }
    line.append(".");
    const bar = document.createElement("progress");
    bar.max = 1;
    if (active.progress !== null) bar.value = active.progress;
    target.append(line, bar);
  }

  async function poll() {
    try {
      const response = await fetch(section.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (wasActive && !data.active) {
          window.location.reload(); // the history table and the latest PDF changed
          return;
        }
        wasActive = Boolean(data.active);
        render(data.active);
      }
    } catch (error) {
      // Network hiccup: try again on the next tick.
    }
    window.setTimeout(poll, wasActive ? 1000 : 5000);
  }
  window.setTimeout(poll, 1000);
})();
