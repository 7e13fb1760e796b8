// Progressive enhancement only: the pages work without it.
// "/" focuses the search box (unless typing in a field).
document.addEventListener("keydown", function (e) {
  var t = e.target;
  if (e.key === "/" && !(t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable))) {
    var q = document.getElementById("q");
    if (q) { e.preventDefault(); q.focus(); q.setSelectionRange(q.value.length, q.value.length); }
  }
});
// On a phone the filters start folded behind their 筛选 button, above the results.
(function () {
  var d = document.getElementById("filters");
  if (d && window.matchMedia && window.matchMedia("(max-width: 720px)").matches) { d.open = false; }
})();
// A search that takes a while shows that it is running, and cannot be sent twice.
document.addEventListener("submit", function (e) {
  var form = e.target, button = form.querySelector("button[type=submit], button:not([type])");
  if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
  document.body.classList.add("busy");
});
window.addEventListener("pageshow", function () {     // back to a page from the cache: usable again
  document.body.classList.remove("busy");
  var buttons = document.querySelectorAll("button[aria-busy=true]");
  for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; buttons[i].removeAttribute("aria-busy"); }
});
