"use strict";
// On a week's page, beside each row's paper: an "arXiv id or DOI" box whose "Look up" opens the
// paper add form in Django's related-object popup with ?lookup=<identifier>, filled in for review.
// Saving the popup selects the new paper in the row (Django's RelatedObjectLookups does that).
// Rows without the paper's "+" (no permission to add papers) get no box.
(function () {
    const PAPER_SELECTS = 'select[name^="presentations-"][name$="-paper"]';

    function addBox(select) {
        const wrapper = select.closest(".related-widget-wrapper");
        if (!wrapper || !wrapper.querySelector("a.add-related") || wrapper.parentNode.querySelector(".paper-lookup")) {
            return;
        }
        const box = document.createElement("div");
        box.className = "paper-lookup";
        const input = document.createElement("input");
        input.type = "text";
        input.className = "paper-lookup-input";
        input.placeholder = "arXiv id or DOI";
        input.setAttribute("aria-label", "arXiv id or DOI of a new paper");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button paper-lookup-button";
        button.textContent = "Look up";
        box.append(input, button);
        wrapper.after(box);
    }

    function openPopup(box) {
        const input = box.querySelector(".paper-lookup-input");
        const addLink = box.previousElementSibling && box.previousElementSibling.querySelector("a.add-related");
        const text = input.value.trim();
        if (!text || !addLink) {
            input.focus();
            return;
        }
        const href = new URL(addLink.href, window.location.href);
        href.searchParams.set("_popup", "1");
        href.searchParams.set("lookup", text);
        // Django's popup opener reads only the link's id (to find the select) and its address.
        window.showRelatedObjectPopup({id: addLink.id, href: href.toString()});
    }

    document.addEventListener("click", function (event) {
        const button = event.target.closest(".paper-lookup-button");
        if (button) {
            event.preventDefault();
            openPopup(button.closest(".paper-lookup"));
        }
    });
    document.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target.classList.contains("paper-lookup-input")) {
            event.preventDefault(); // not a submit of the whole week
            openPopup(event.target.closest(".paper-lookup"));
        }
    });
    document.addEventListener("DOMContentLoaded", function () {
        document.querySelectorAll(PAPER_SELECTS).forEach(addBox);
    });
    // A row added with "Add another" is a copy of the template row, box included; this covers a
    // template rendered without one.
    document.addEventListener("formset:added", function (event) {
        event.target.querySelectorAll(PAPER_SELECTS).forEach(addBox);
    });
})();
