// cape-tracker: progressive enhancement only. Without this script every page still shows every
// number (tables under the charts, native tooltips from each point's <title>). With it: a
// tooltip box on hover or tap over chart points, sortable tables, and a filter over long tables.
"use strict";

(function () {
  function tooltips() {
    const tip = document.createElement("div");
    tip.className = "tip";
    tip.id = "tip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.appendChild(tip);
    let active = null;
    function show(point) {
      if (active) active.classList.remove("active");
      active = point;
      point.classList.add("active");
      tip.textContent = point.querySelector("title").textContent;
      tip.hidden = false;
      const box = point.getBoundingClientRect();
      const left = Math.min(window.scrollX + box.right + 6, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4);
      tip.style.left = Math.max(window.scrollX + 4, left) + "px";
      tip.style.top = window.scrollY + box.bottom + 6 + "px";
    }
    function hide() {
      if (active) active.classList.remove("active");
      active = null;
      tip.hidden = true;
    }
    document.querySelectorAll("svg.hover .pt").forEach(function (point) {
      point.addEventListener("pointerenter", function () { show(point); });
      point.addEventListener("pointerleave", hide);
      point.addEventListener("click", function () { show(point); });
    });
  }

  function cellKey(row, index) {
    const cell = row.children[index];
    if (!cell) return "";
    const text = (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent).trim();
    const number = parseFloat(text.replace(/^\+/, ""));
    return /^[+-]?\d/.test(text) && !isNaN(number) && !/^\d{4}-\d{2}/.test(text) ? number : text.toLowerCase();
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === "" || a === "n/a" || a === "unknown") return 1;
    if (b === "" || b === "n/a" || b === "unknown") return -1;
    if (typeof a === typeof b) return a < b ? -1 : 1;
    return typeof a === "number" ? -1 : 1;
  }

  function sortable(table) {
    const heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
    heads.forEach(function (head, index) {
      const button = document.createElement("button");
      button.type = "button";
      while (head.firstChild) button.appendChild(head.firstChild);
      head.appendChild(button);
      button.addEventListener("click", function () {
        const ascending = head.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows).map(function (row, i) { return [cellKey(row, index), i, row]; });
        rows.sort(function (x, y) {
          const order = compare(x[0], y[0]);
          return (ascending ? order : (x[0] === "" || y[0] === "" ? order : -order)) || x[1] - y[1];
        });
        rows.forEach(function (entry) { body.appendChild(entry[2]); });
      });
    });
  }

  function filterable(table, number) {
    const label = document.createElement("label");
    label.className = "table-filter";
    label.textContent = "Filter rows: ";
    const input = document.createElement("input");
    input.type = "search";
    input.id = "filter-" + number;
    input.setAttribute("aria-controls", table.id || "");
    label.appendChild(input);
    const anchor = table.closest(".scroll") || table;
    anchor.parentNode.insertBefore(label, anchor);
    input.addEventListener("input", function () {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.from(table.tBodies[0].rows).forEach(function (row) {
        const text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.includes(w); });
      });
    });
  }

  tooltips();
  document.querySelectorAll("table.sortable").forEach(sortable);
  document.querySelectorAll("table.filterable").forEach(filterable);
})();
