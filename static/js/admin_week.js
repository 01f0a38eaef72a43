// The week's page in the admin: a new row starts in the section of the row above it, and a new
// slide deck starts with its row's paper title and first presenter (syllabus/admin_forms.py).
"use strict";
window.addEventListener("load", function () {
  const sections = document.getElementById("presentation-sections");

  function rememberSection(input) {
    // A section typed on one row is offered on the others.
    const value = input.value.trim();
    if (!sections || !value) return;
    const known = Array.from(sections.options).some(function (option) { return option.value === value; });
    if (!known) sections.appendChild(new Option(value, value));
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("#presentations-group input[name$='-section']")) rememberSection(target);
    if (target.matches("#slide_decks-group select[name$='-presentation']")) fillDeck(target);
  });

  document.addEventListener("formset:added", function (event) {
    if (event.detail.formsetName !== "presentations") return;
    const row = event.target;
    const input = row.querySelector("input[name$='-section']");
    const rows = Array.from(document.querySelectorAll("#presentations-group .inline-related:not(.empty-form)"));
    const above = rows[rows.indexOf(row) - 1];
    const previous = above && above.querySelector("input[name$='-section']");
    if (input && previous && previous.value) input.value = previous.value;
  });

  function fillDeck(select) {
    const deck = select.closest(".inline-related");
    if (!deck || deck.classList.contains("has_original")) return; // only decks being added
    const defaults = JSON.parse(select.dataset.rowDefaults || "{}")[select.value];
    if (!defaults) return;
    const title = deck.querySelector("input[name$='-title']");
    if (title && !title.value) title.value = defaults.title;
    const presenter = deck.querySelector("select[name$='-presenter']");
    if (presenter && !presenter.value && defaults.presenter) {
      const [id, name] = defaults.presenter;
      presenter.appendChild(new Option(name, id, true, true));
      presenter.dispatchEvent(new Event("change", { bubbles: true })); // select2 shows the choice
    }
  }
});
