// triangulate web UI: citations open their evidence on click (hover and focus work without JS),
// Escape closes it; the compare form can take more texts. No framework, no external code.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll(".evidence.open").forEach(function (el) {
      if (el !== except) {
        el.classList.remove("open");
        var cite = document.querySelector('[data-cite="' + el.id + '"]');
        if (cite) {
          cite.setAttribute("aria-expanded", "false");
          cite.parentElement.appendChild(el);  // back beside its citation, for hover and focus
        }
      }
    });
  }
  // An opened box goes in the text after the last citation of its group, so that the
  // sentence's other citations stay together on their line.
  function afterGroup(cite, box) {
    var last = cite.parentElement;
    while (last.nextElementSibling && last.nextElementSibling.classList.contains("cite-wrap")) last = last.nextElementSibling;
    last.parentNode.insertBefore(box, last.nextSibling);
  }
  document.addEventListener("click", function (event) {
    var cite = event.target.closest ? event.target.closest("a.cite") : null;
    if (cite) {
      var box = document.getElementById(cite.getAttribute("data-cite"));
      if (box) {
        event.preventDefault();
        box.classList.remove("dismissed");
        var open = !box.classList.contains("open");
        closeAll(box);
        box.classList.toggle("open", open);
        if (open) afterGroup(cite, box);
        else cite.parentElement.appendChild(box);
        place(box);
        cite.setAttribute("aria-expanded", open ? "true" : "false");
        // Following the citation also marks the fact it points to.
        var target = document.querySelector(cite.getAttribute("href"));
        if (open && target) {
          document.querySelectorAll(".cited").forEach(function (el) { el.classList.remove("cited"); });
          target.classList.add("cited");
          if (history.replaceState) history.replaceState(null, "", cite.getAttribute("href"));
        }
      }
      return;
    }
    if (!(event.target.closest && event.target.closest(".evidence"))) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      // Dismissible (WCAG 1.4.13): hide even the evidence that focus or hover shows.
      closeAll(null);
      document.querySelectorAll(".evidence").forEach(function (el) { el.classList.add("dismissed"); });
    }
  });
  // A floating evidence box starts under its citation; near the end of a line it would run
  // off the right edge of the window: it moves left as far as needed (never off the left).
  // Near the bottom of the window it opens above its citation, where there is room for it.
  function place(box) {
    box.style.left = "";
    box.style.top = "";
    box.style.bottom = "";
    if (getComputedStyle(box).position !== "absolute") return;
    var rect = box.getBoundingClientRect();
    if (!rect.width) return;
    var margin = 8;
    var room = document.documentElement.clientWidth - margin;
    var shift = Math.min(0, room - rect.right);
    if (rect.left + shift < margin) shift = margin - rect.left;
    if (shift) box.style.left = shift + "px";
    var wrap = box.parentElement ? box.parentElement.getBoundingClientRect() : null;
    if (wrap && rect.bottom > window.innerHeight - margin && wrap.top - rect.height - margin >= 0) {
      box.style.top = "auto";
      box.style.bottom = "100%";
    }
  }
  function undismiss(event) {
    var cite = event.target.closest ? event.target.closest("a.cite") : null;
    if (cite) {
      var box = document.getElementById(cite.getAttribute("data-cite"));
      if (box) {
        box.classList.remove("dismissed");
        place(box);
      }
    }
  }
  document.addEventListener("focusin", undismiss);
  document.addEventListener("mouseover", undismiss);
  var add = document.getElementById("add-text");
  if (add) {
    add.addEventListener("click", function () {
      var blocks = document.querySelectorAll("#texts .text-block");
      var last = blocks[blocks.length - 1];
      var copy = last.cloneNode(true);
      var n = blocks.length + 1;
      copy.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
      var labels = copy.querySelectorAll("label");
      if (labels[0]) labels[0].firstChild.textContent = "Outlet " + n + " ";
      if (labels[1]) labels[1].firstChild.textContent = "Text " + n + " ";
      last.parentNode.insertBefore(copy, add);
      copy.querySelector("textarea").focus();
    });
  }
})();
