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
// Suggestions as you type (an ARIA 1.2 combobox over /api/suggest): ↑/↓ choose, Enter
// searches the chosen one, Escape closes the list. Without JavaScript the form is plain.
(function () {
  var input = document.getElementById("q");
  if (!input || !window.fetch) { return; }
  var form = input.form, list = document.createElement("ul"), items = [], active = -1, timer = null, seq = 0;
  var KINDS = { title: "标题", jargon: "术语", term: "常用词" };
  list.id = "q-suggest";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "输入提示");
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  function close() {
    list.hidden = true; active = -1; items = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function mark(i) {
    var options = list.querySelectorAll("[role=option]");
    for (var k = 0; k < options.length; k++) { options[k].setAttribute("aria-selected", k === i ? "true" : "false"); }
    active = i;
    if (i >= 0) { input.setAttribute("aria-activedescendant", options[i].id); options[i].scrollIntoView({ block: "nearest" }); }
    else { input.removeAttribute("aria-activedescendant"); }
  }
  function choose(i) {
    input.value = items[i].text;
    close();
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }
  function show(found) {
    items = found; list.textContent = ""; active = -1;
    if (!found.length) { close(); return; }
    found.forEach(function (s, i) {
      var li = document.createElement("li"), kind = document.createElement("span");
      li.id = "q-suggest-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = s.text;
      kind.className = "kind";
      kind.textContent = KINDS[s.kind] || "";
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }
  function ask() {
    var typed = input.value.trim(), mine = ++seq;
    if (!typed || typed.length > 100) { close(); return; }
    fetch((input.getAttribute("data-suggest") || "/api/suggest") + "?limit=8&q=" + encodeURIComponent(typed), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (mine === seq && document.activeElement === input) { show(data.suggestions || []); } })
      .catch(function () { close(); });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 80); });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) {
      if (e.key === "ArrowDown" && input.value.trim()) { e.preventDefault(); ask(); }
      return;
    }
    if (e.key === "ArrowDown") { e.preventDefault(); mark(active + 1 < items.length ? active + 1 : 0); }
    else if (e.key === "ArrowUp") { e.preventDefault(); mark(active > 0 ? active - 1 : items.length - 1); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
