// Progressive enhancement only: the pages work without it.
// "/" focuses the search box (unless typing in a field).
document.addEventListener("keydown", function (e) {
  var t = e.target;
  if (e.key === "/" && !(t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable))) {
    var q = document.getElementById("q");
    if (q) { e.preventDefault(); q.focus(); q.setSelectionRange(q.value.length, q.value.length); }
  }
});
