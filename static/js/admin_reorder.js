// Up/down buttons on a week's saved presentation rows. They move the row and renumber the
// "position" inputs in table order; the server renumbers 1, 2, 3... on save.
"use strict";
window.addEventListener("load", function () {
  const group = document.getElementById("presentations-group");
  if (!group) return;

  function savedRows() {
    return Array.from(group.querySelectorAll(".inline-related.has_original"));
  }

  function renumber() {
    savedRows().forEach(function (row, index) {
      const input = row.querySelector("input[name$='-position']");
      if (input) input.value = index + 1;
    });
  }

  function move(row, step) {
    const rows = savedRows();
    const target = rows[rows.indexOf(row) + step];
    if (!target) return;
    if (step < 0) target.parentNode.insertBefore(row, target);
    else target.parentNode.insertBefore(row, target.nextSibling);
    renumber();
  }

  savedRows().forEach(function (row) {
    const cell = row.querySelector(".fieldBox.field-position");
    if (!cell) return;
    const buttons = document.createElement("span");
    buttons.className = "reorder-buttons";
    [["↑", -1, "Move row up"], ["↓", 1, "Move row down"]].forEach(function ([text, step, label]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      button.setAttribute("aria-label", label);
      button.addEventListener("click", function () { move(row, step); });
      buttons.appendChild(button);
    });
    cell.appendChild(buttons);
  });
});
