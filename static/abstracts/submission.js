// The submission form, made pleasant: rows added and removed in place, authors moved by
// drag or by the up/down buttons, superscript numbers renumbered live, words counted as
// the server counts them. Without this script the form still works (plain formsets).
(function () {
  "use strict";

  const form = document.querySelector(".submission-form");
  if (!form) return;
  document.documentElement.classList.add("js");

  const SUPERSCRIPTS = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", ",": "˒" };
  const superscript = (text) => String(text).split("").map((c) => SUPERSCRIPTS[c] || c).join("");
  const list = (name) => form.querySelector(`[data-formset="${name}"]`);
  const rows = (name) => Array.from(list(name).children).filter((row) => !row.hidden);
  const status = document.getElementById("reorder-status");

  function announce(message) {
    status.textContent = "";
    window.setTimeout(() => { status.textContent = message; }, 50);
  }

  // --- rows -------------------------------------------------------------------------
  function addRow(name) {
    const total = form.querySelector(`#id_${name}-TOTAL_FORMS`);
    const index = Number(total.value);
    const html = document.getElementById(`${name}-template`).innerHTML.replace(/__prefix__/g, index);
    list(name).insertAdjacentHTML("beforeend", html.trim());
    total.value = index + 1;
    const row = list(name).lastElementChild;
    enhanceRow(name, row);
    refresh();
    const first = row.querySelector("input[type=text], input[type=email], input:not([type])");
    if (first) first.focus();
    return row;
  }

  function removeRow(name, row) {
    const remove = row.querySelector('input[name$="-DELETE"]');
    remove.checked = true;
    row.hidden = true;
    if (name === "author") {
      const radio = row.querySelector('input[name="presenting"]');
      if (radio) radio.checked = false;
    }
    refresh();
    announce(`${name[0].toUpperCase()}${name.slice(1)} removed.`);
    const next = rows(name)[0];
    const focusTarget = next ? next.querySelector("input") : form.querySelector(`[data-add="${name}"]`);
    if (focusTarget) focusTarget.focus();
  }

  function button(label, className, text) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = `button-small ${className}`;
    element.setAttribute("aria-label", label);
    element.textContent = text;
    return element;
  }

  function enhanceRow(name, row) {
    if (row.dataset.enhanced) return;
    row.dataset.enhanced = "1";
    const removeLabel = row.querySelector(".row-remove");
    const remove = button(`Remove this ${name}`, "row-remove-button", "Remove");
    remove.addEventListener("click", () => removeRow(name, row));
    removeLabel.after(remove);
    if (name !== "author") return;
    const controls = row.querySelector(".author-controls");
    const up = button("Move this author up", "move-up", "↑ Up");
    const down = button("Move this author down", "move-down", "↓ Down");
    up.addEventListener("click", () => move(row, -1, up));
    down.addEventListener("click", () => move(row, 1, down));
    controls.prepend(up, down);
    const handle = document.createElement("span");
    handle.className = "drag-handle";
    handle.setAttribute("aria-hidden", "true");
    handle.title = "Drag to reorder";
    handle.textContent = "⠿";
    row.querySelector("legend").prepend(handle);
    // Dragged by the handle with pointer events, so mouse, pen and touch all work; the rows
    // themselves stay undraggable, which keeps text selection in their inputs.
    const follow = (event) => {
      const edge = 48; // near the window's edge the page scrolls, so any position can be reached
      if (event.clientY < edge) window.scrollBy(0, -24);
      else if (event.clientY > window.innerHeight - edge) window.scrollBy(0, 24);
      const under = document.elementFromPoint(event.clientX, event.clientY);
      const target = under && under.closest(".author-row");
      if (!target || target === row || target.parentNode !== row.parentNode) return;
      const box = target.getBoundingClientRect();
      target.parentNode.insertBefore(row, event.clientY > box.top + box.height / 2 ? target.nextSibling : target);
    };
    const drop = () => {
      document.removeEventListener("pointermove", follow);
      document.removeEventListener("pointerup", drop);
      document.removeEventListener("pointercancel", drop);
      row.classList.remove("dragging");
      refresh();
      announce(`${authorName(row) || "Author"} moved to position ${rows("author").indexOf(row) + 1}.`);
    };
    handle.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      row.classList.add("dragging");
      document.addEventListener("pointermove", follow);
      document.addEventListener("pointerup", drop);
      document.addEventListener("pointercancel", drop);
    });
  }

  function move(row, step, focusAfter) {
    const visible = rows("author");
    const at = visible.indexOf(row);
    const to = at + step;
    if (to < 0 || to >= visible.length) return;
    const other = visible[to];
    if (step < 0) other.before(row); else other.after(row);
    refresh();
    focusAfter.focus();
    announce(`${authorName(row) || "Author"} moved to position ${to + 1} of ${visible.length}.`);
  }

  // --- what the book will print ------------------------------------------------------
  const field = (row, name) => row.querySelector(`input[name$="-${name}"]`);
  const authorName = (row) => [field(row, "first_name").value, field(row, "last_name").value]
    .map((part) => part.trim()).filter(Boolean).join(" ");

  function affiliationNames() {
    return Array.from(list("affiliation").children).map((row) => ({
      index: row.dataset.index,
      name: field(row, "name").value.trim(),
      removed: row.hidden,
      row,
    }));
  }

  function syncTicks(affiliations) {
    // Every author row offers every affiliation row, labelled with what was typed there.
    for (const row of list("author").children) {
      const ticks = row.querySelector(".affiliation-ticks");
      const inputName = row.querySelector(".author-affiliations").id.replace(/^id_/, "");
      for (const affiliation of affiliations) {
        let tick = ticks.querySelector(`input[value="${affiliation.index}"]`);
        if (!tick) {
          const item = document.createElement("li");
          item.innerHTML = `<label><input type="checkbox" value="${affiliation.index}"> <span class="tick-label"></span></label>`;
          tick = item.querySelector("input");
          tick.name = inputName;
          ticks.append(item);
        }
        const item = tick.closest("li");
        // Rows not typed yet are offered once they have a name.
        item.hidden = affiliation.removed || (!affiliation.name && !tick.checked);
        if (affiliation.removed) tick.checked = false;
        item.querySelector(".tick-label").textContent =
          affiliation.name || `Affiliation (row ${Number(affiliation.index) + 1}, not typed yet)`;
      }
    }
  }

  function refresh() {
    const affiliations = affiliationNames();
    syncTicks(affiliations);
    const nameOf = new Map(affiliations.map((a) => [a.index, a.name]));
    const numberOf = new Map(); // affiliation key → printed number
    const line = [];
    rows("author").forEach((row, position) => {
      field(row, "ORDER").value = position + 1;
      row.querySelector(".author-position").textContent = position + 1;
      row.querySelector(".move-up").disabled = position === 0;
      const numbers = [];
      for (const tick of row.querySelectorAll(".affiliation-ticks input:checked")) {
        const name = nameOf.get(tick.value);
        if (!name) continue;
        const key = name.toLowerCase().replace(/\s+/g, " ");
        if (!numberOf.has(key)) numberOf.set(key, numberOf.size + 1);
        numbers.push(numberOf.get(key));
      }
      const name = authorName(row);
      if (name) line.push({ name, numbers, presenting: row.querySelector('input[name="presenting"]').checked });
    });
    const visible = rows("author");
    if (visible.length) visible[visible.length - 1].querySelector(".move-down").disabled = true;
    visible.slice(0, -1).forEach((row) => { row.querySelector(".move-down").disabled = false; });
    for (const affiliation of affiliations) {
      const key = affiliation.name.toLowerCase().replace(/\s+/g, " ");
      const number = affiliation.row.querySelector(".affiliation-number");
      number.textContent = affiliation.name && numberOf.has(key) ? numberOf.get(key) : "–";
      number.title = number.textContent === "–" ? "Not yet ticked for any author" : "Printed number";
    }
    const authorLine = document.getElementById("author-line");
    authorLine.replaceChildren(...line.flatMap((author, i) => {
      const name = document.createElement(author.presenting ? "u" : "span");
      name.textContent = author.name;
      const parts = [name];
      if (author.numbers.length) {
        const sup = document.createElement("sup");
        sup.textContent = author.numbers.join(",");
        parts.push(sup);
      }
      if (i < line.length - 1) parts.push(document.createTextNode(", "));
      return parts;
    }));
    authorLine.hidden = line.length === 0;
  }

  // --- words --------------------------------------------------------------------------
  const text = form.querySelector("#id_abstract-text");
  const counter = document.getElementById("word-count");
  let counting;
  function countWords() {
    const limit = Number(text.dataset.wordLimit);
    // As the server counts: markup removed, split on white space.
    const words = text.value.replace(/<[^>]*>/g, "").trim().split(/\s+/).filter(Boolean).length;
    counter.hidden = false;
    counter.textContent = words > limit
      ? `${words} words: ${words - limit} over the limit of ${limit}.`
      : `${words} of ${limit} words.`;
    counter.classList.toggle("over", words > limit);
  }
  if (text && counter) {
    text.setAttribute("aria-describedby", `${text.getAttribute("aria-describedby") || ""} word-count`.trim());
    text.addEventListener("input", () => { window.clearTimeout(counting); counting = window.setTimeout(countWords, 250); });
    countWords();
  }

  // --- wiring ---------------------------------------------------------------------------
  for (const name of ["affiliation", "author", "keyword"]) {
    for (const row of list(name).children) {
      enhanceRow(name, row);
      if (row.querySelector('input[name$="-DELETE"]').checked) row.hidden = true;
    }
  }
  form.querySelectorAll("[data-add]").forEach((add) => {
    add.addEventListener("click", () => addRow(add.dataset.add));
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches('input[name^="affiliation-"], input[name^="author-"]')) refresh();
  });
  form.addEventListener("change", refresh);
  refresh();

  const summary = document.getElementById("submission-errors");
  const preview = document.getElementById("preview");
  if (summary) summary.focus();
  else if (preview) preview.focus();
})();
