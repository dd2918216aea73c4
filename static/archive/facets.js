/* Type to filter a long facet list. Progressive enhancement: without this script every value
   is listed and every link works. No dependencies. */
(function () {
  "use strict";
  var MIN_VALUES = 8;

  function fold(text) {
    // Case- and accent-insensitive, like the search itself.
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(facet, index) {
    var items = facet.querySelectorAll("li, tbody tr");
    var heading = facet.querySelector("h2, h3");
    if (items.length < MIN_VALUES || !heading) return;
    var id = "facet-filter-" + index;
    var wrapper = document.createElement("div");
    wrapper.className = "facet-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    // The words come translated from the template (data-filter-label), in the page's language.
    label.textContent = (facet.getAttribute("data-filter-label") || "Filter:") + " " + heading.textContent;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    wrapper.appendChild(status);
    heading.insertAdjacentElement("afterend", wrapper);
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (item) {
        var match = !wanted || fold(item.textContent).indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) shown += 1;
      });
      status.textContent = shown + " / " + items.length;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-facet]").forEach(enhance);
  });
})();
