// The programme board: drag a row by its handle to reorder abstracts within their session.
// Without JavaScript (and for keyboards) the ↑/↓ buttons do the same. A drop is sent as
// "place:<pk>" next to the neighbour it landed beside, so a filtered board moves it correctly.
(function () {
  "use strict";
  const boardForm = document.querySelector(".board-form");
  if (boardForm) {
    // Send only the codes typed into (and the one being set), not one field per row of a big board.
    boardForm.addEventListener("submit", (event) => {
      const pressed = event.submitter ? event.submitter.value : "";
      for (const input of boardForm.querySelectorAll(".board-code input[name^='code-']")) {
        const own = pressed === `code:${input.name.slice(5)}`;
        if (!own && input.value === input.defaultValue) input.disabled = true;
      }
    });
  }
  const table = document.querySelector(".board-table[data-reorderable]");
  if (!table) return;
  const form = table.closest("form");

  function send(row) {
    const same = (other) => other && other.classList.contains("board-row") && other.dataset.session === row.dataset.session;
    let neighbour = row.previousElementSibling;
    let side = "after";
    if (!same(neighbour)) {
      neighbour = row.nextElementSibling;
      side = "before";
    }
    if (!same(neighbour)) return;
    const fields = { action: `place:${row.dataset.abstract}`, next_to: neighbour.dataset.abstract, side: side };
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    form.submit();
  }

  for (const row of table.querySelectorAll(".board-row")) {
    const handle = document.createElement("span");
    handle.className = "board-drag";
    handle.setAttribute("aria-hidden", "true");
    handle.title = "Drag to reorder within the session";
    handle.textContent = "⠿";
    row.firstElementChild.prepend(handle);
    const start = { next: null };
    const follow = (event) => {
      const edge = 48;
      if (event.clientY < edge) window.scrollBy(0, -24);
      else if (event.clientY > window.innerHeight - edge) window.scrollBy(0, 24);
      const under = document.elementFromPoint(event.clientX, event.clientY);
      const target = under && under.closest(".board-row");
      if (!target || target === row || target.dataset.session !== row.dataset.session) return;
      const box = target.getBoundingClientRect();
      target.parentNode.insertBefore(row, event.clientY > box.top + box.height / 2 ? target.nextSibling : target);
    };
    const drop = () => {
      document.removeEventListener("pointermove", follow);
      document.removeEventListener("pointerup", drop);
      document.removeEventListener("pointercancel", drop);
      row.classList.remove("dragging");
      if (row.nextElementSibling !== start.next) send(row);
    };
    handle.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      start.next = row.nextElementSibling;
      row.classList.add("dragging");
      document.addEventListener("pointermove", follow);
      document.addEventListener("pointerup", drop);
      document.addEventListener("pointercancel", drop);
    });
  }
})();
