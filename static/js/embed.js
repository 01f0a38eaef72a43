/*
 * A seminar term's upcoming sessions on any page (README "Embed the schedule"):
 *
 *   <script src="https://seminar.example.edu/embed.js" data-term="fall-2026" async></script>
 *
 * The list goes where the script is, or into the element named by data-target (a CSS selector).
 * It has class names only (syllabus-embed-*), no styles: the host page styles it. Text from the
 * seminar is set as text, never parsed as HTML. No dependencies, no cookies.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.dataset.term) {
    return;
  }
  var source = new URL(script.src, document.baseURI);
  // Beside the script: embed/<term>.json (syllabus:embed_json).
  var address = new URL("embed/" + encodeURIComponent(script.dataset.term) + ".json", source);

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = "syllabus-embed-" + className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // Only web addresses become links: never a javascript: or data: URL, whatever the answer holds.
  // A relative one (a static archive's) is relative to the JSON's own address.
  function link(className, text, href) {
    var node = element("a", className, text);
    var url = new URL(href, address);
    if (url.protocol === "https:" || url.protocol === "http:") {
      node.href = url.href;
    }
    return node;
  }

  function session(data) {
    var item = element("li", "session");
    var when = element("time", "when", data.when);
    when.dateTime = data.datetime;
    item.append(when, " ", link("title", data.title, data.url));
    if (data.presenters.length) {
      item.append(" ", element("span", "presenters", data.presenters.join(", ")));
    }
    if (data.place) {
      item.append(" ", element("span", "place", data.place));
    }
    if (data.online_url) {
      item.append(" ", link("online", "Join online", data.online_url));
    }
    return item;
  }

  function schedule(data) {
    var box = element("section", "");
    box.className = "syllabus-embed";
    var heading = element("h2", "term");
    heading.append(link("term-link", data.term.name, data.term.url));
    box.append(heading);
    if (data.sessions.length) {
      var list = element("ol", "sessions");
      data.sessions.forEach(function (each) {
        list.append(session(each));
      });
      box.append(list);
    } else {
      box.append(element("p", "empty", "No upcoming sessions."));
    }
    return box;
  }

  function show(node) {
    var target = script.dataset.target && document.querySelector(script.dataset.target);
    if (target) {
      target.replaceChildren(node);
    } else {
      script.after(node);
    }
  }

  fetch(address, { credentials: "omit", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (data) {
      show(schedule(data));
    })
    .catch(function () {
      var failed = element("p", "error", "The seminar's schedule could not be loaded.");
      show(failed);
    });
})();
