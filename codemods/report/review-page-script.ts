/**
 * The review page's script, inlined by html-report.ts after diff2html's browser bundle. It reads the page's data
 * (`<script type="application/json" id="report-data">`, a {@link ReportData}), draws the index and the file cards,
 * renders a card's details when it is opened and its diff only once it scrolls into view (so a 400-file report opens
 * at once), filters, keeps "viewed" in localStorage under the run id, exports the selection for `migrate --only-from`,
 * and handles the keys listed in {@link REVIEW_PAGE_KEYS}. Plain ES2020 in a string: the package has no DOM types and
 * the page must not load anything.
 */
export const REVIEW_PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var storeKey = "tenant-kit-review:" + data.runId;
  var viewed = new Set(readViewed());
  var selected = new Set();
  var files = data.files;
  var rows = [];
  var cards = [];
  var rendered = [];
  var items = [];
  var current = -1;
  var currentItem = -1;
  var SECTION_TITLES = {
    review: "Manual review and errors",
    write: "Write spans",
    group: "Identical changes",
    other: "Other changes",
    unchanged: "Unchanged files with handlers"
  };

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function readViewed() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function saveViewed() {
    try { localStorage.setItem(storeKey, JSON.stringify(Array.from(viewed))); } catch (e) { /* private mode */ }
  }

  // One index row per handler, and one per file without handlers (install, scaffold, finalize change lib files).
  files.forEach(function (f, i) {
    var text = [f.file, f.notes.join(" "), f.error || ""].concat(f.review.map(function (r) {
      return r.reason + " " + r.detail;
    })).join(" ");
    if (f.handlers.length === 0) {
      rows.push({ file: i, line: 0, name: "", wrapper: "", version: "", classification: "",
        action: f.changed ? "changed" : "",
        reasons: f.review.map(function (r) { return r.reason; }), text: text.toLowerCase() });
    }
    f.handlers.forEach(function (h) {
      rows.push({ file: i, line: h.line, name: h.name, wrapper: h.wrapper, version: "V" + h.version,
        classification: h.classification, action: h.action, reasons: h.reasons, span: h.span,
        text: [text, h.name, h.wrapper, h.evidence.join(" "), h.reasons.join(" ")].join(" ").toLowerCase() });
    });
    f.review.forEach(function (r) { items.push({ file: i, line: r.line, kind: "review" }); });
    f.handlers.forEach(function (h) { if (h.span) items.push({ file: i, line: h.line, kind: "span" }); });
  });
  items.sort(function (a, b) { return a.file - b.file || a.line - b.line; });

  // The index is data: only the first INDEX_PAGE matching rows are in the DOM until "show all" is pressed.
  var INDEX_PAGE = 200;
  var indexLimit = INDEX_PAGE;
  var index = document.getElementById("index-body");
  function rowHtml(n) {
    var r = rows[n];
    var f = files[r.file];
    var key = r.line ? f.file + ":" + r.line : f.file;
    return '<tr data-row="' + n + '" data-file="' + esc(f.file) + '" class="' +
      (viewed.has(f.file) ? "viewed" : "") + '">' +
      '<td><input type="checkbox" class="pick" data-key="' + esc(key) + '" aria-label="select ' + esc(key) + '"' +
      (selected.has(key) ? " checked" : "") + "></td>" +
      '<td><a href="#f:' + esc(key) + '">' + esc(f.file) + (r.line ? ":" + r.line : "") + "</a></td>" +
      "<td>" + esc(r.name) + "</td><td>" + esc(r.wrapper) + "</td><td>" + r.version + "</td>" +
      '<td><span class="badge ' + r.classification + '">' + r.classification + "</span></td>" +
      "<td>" + esc(r.action) + (r.span ? ' <span class="tag">span</span>' : "") + "</td>" +
      '<td class="reasons">' + r.reasons.map(esc).join(", ") + "</td>" +
      '<td class="seen">' + (viewed.has(f.file) ? "viewed" : "") + "</td></tr>";
  }
  function renderIndex(matched) {
    var html = matched.slice(0, indexLimit).map(rowHtml).join("");
    if (matched.length > indexLimit) {
      html += '<tr class="more"><td colspan="9"><button type="button" id="index-more">show all ' + matched.length +
        " rows</button></td></tr>";
    }
    index.innerHTML = html;
  }
  index.addEventListener("click", function (event) {
    if (event.target.id !== "index-more") return;
    indexLimit = Infinity;
    applyFilters();
  });

  // Cards: sections in page order, groups with their example first and the other files listed under it.
  var main = document.getElementById("files");
  var html = [];
  var lastSection = "";
  var lastGroup = -1;
  files.forEach(function (f, i) {
    if (f.section !== lastSection) {
      if (lastGroup >= 0) { html.push("</div></div>"); lastGroup = -1; }
      lastSection = f.section;
      var count = files.filter(function (g) { return g.section === f.section; }).length;
      html.push('<h2 class="section" data-section="' + f.section + '">' + SECTION_TITLES[f.section] +
        ' <small>' + count + " file(s)</small></h2>");
    }
    if (f.group !== undefined && f.group !== lastGroup) {
      if (lastGroup >= 0) html.push("</div></div>");
      lastGroup = f.group;
      var g = data.groups[f.group];
      html.push('<div class="group" data-group="' + f.group + '"><h3><strong class="group-count">' + g.handlers +
        " handlers</strong> in " + g.files.length + " files: " + esc(g.label) +
        ' <small class="group-shown"></small></h3>' +
        (g.label.indexOf("the wrapper call") === 0 ? "" : '<pre class="shape">' + esc(g.shape) + "</pre>") +
        '<p class="example-label">One example:</p>');
    }
    html.push(cardHtml(f, i));
    if (f.group !== undefined && data.groups[f.group].files[0] === i && data.groups[f.group].files.length > 1) {
      html.push('<p class="rest-label">The other ' + (data.groups[f.group].files.length - 1) +
        ' files, the same change:</p><div class="rest">');
    }
  });
  if (lastGroup >= 0) html.push("</div></div>");
  main.innerHTML = html.join("");
  files.forEach(function (f, i) { cards[i] = document.getElementById("f:" + f.file); });

  function cardHtml(f, i) {
    var isExample = f.group !== undefined && data.groups[f.group].files[0] === i;
    var open = !viewed.has(f.file) && (f.section === "review" || f.section === "write" || isExample);
    return '<section class="file' + (viewed.has(f.file) ? " viewed" : "") + '" id="f:' + esc(f.file) + '" data-file="' +
      esc(f.file) + '" data-i="' + i + '" data-open="' + (open ? "1" : "0") + '">' +
      '<header><button class="toggle" aria-label="open or close">' + (open ? "▾" : "▸") + "</button> " +
      '<span class="path">' + esc(f.file) + "</span> " +
      (f.changed ? '<span class="stat"><span class="plus">+' + f.added + '</span> <span class="minus">−' + f.removed +
        "</span></span> " : '<span class="stat">no change</span> ') +
      (f.review.length ? '<span class="badge unknown">' + f.review.length + " review</span> " : "") +
      (f.error ? '<span class="badge unknown">error</span> ' : "") +
      '<label class="viewed-box"><input type="checkbox" class="viewed-input"' + (viewed.has(f.file) ? " checked" : "") +
      "> Viewed</label> " +
      '<label><input type="checkbox" class="pick" data-key="' + esc(f.file) + '"> Select file</label></header>' +
      '<div class="body"></div></section>';
  }

  function bodyHtml(f) {
    var out = [];
    if (f.error) out.push('<p class="error">' + esc(f.error) + "</p>");
    if (f.handlers.length) {
      out.push('<table class="sites"><thead><tr><th>Handler</th><th>Wrapper</th><th>Classification</th>' +
        "<th>Action</th>" +
        "<th>Evidence</th></tr></thead><tbody>" + f.handlers.map(function (h) {
          return '<tr id="f:' + esc(f.file) + ":" + h.line + '" data-line="' + h.line + '"><td>' + esc(h.name) +
            " <small>line " + h.line + "</small></td><td>" + esc(h.wrapper) + (h.version === 2 ? " (V2)" : "") +
            '</td><td><span class="badge ' + h.classification + '">' + h.classification + "</span></td><td>" +
            esc(h.action) + "</td><td>" + h.evidence.map(esc).join("<br>") + "</td></tr>";
        }).join("") + "</tbody></table>");
    }
    f.handlers.forEach(function (h) {
      if (!h.span) return;
      var s = h.span;
      out.push('<div class="item span" data-item="' + h.line + '"><h4>' + (s.ownTransaction
        ? "Keeps its own transaction" : "Write span") + " of " + esc(h.name) + " (line " + h.line + ")</h4>" +
        '<p>Holds:</p><ul class="holds">' + s.holds.map(function (x) { return "<li>" + esc(x) + "</li>"; }).join("") +
        "</ul>" +
        "<p>Hoisted out of it:</p>" + (s.hoisted.length ? '<ul class="hoisted">' + s.hoisted.map(function (x) {
          return "<li>" + esc(x) + "</li>"; }).join("") + "</ul>" : '<p class="none">nothing</p>') +
        (s.slowAwaits.length ? '<p>Other work left inside it:</p><ul class="slow">' + s.slowAwaits.map(function (x) {
          return "<li>" + esc(x) + "</li>"; }).join("") + "</ul>" : "") + "</div>");
    });
    if (f.review.length) {
      out.push('<h4>Manual review: stays on V1 until fixed by hand</h4><ul class="review">' +
        f.review.map(function (r) {
        return '<li class="item" data-item="' + r.line + '" data-reason="' + esc(r.reason) + '"><code>' +
          esc(f.file + ":" + r.line + ":" + r.column) + "</code> <strong>" + esc(r.reason) + "</strong>: " +
          esc(r.detail) +
          '<br><span class="hint">' + esc(r.hint) + '</span><br><span class="hint">Fix: ' + esc(r.fix) + "</span></li>";
      }).join("") + "</ul>");
    }
    var stayed = f.handlers.filter(function (h) { return h.action === "other-phase" || h.action === "not-selected"; });
    if (stayed.length && data.phase === "writes") {
      out.push('<p class="stayed">Stays on V1 in this phase: ' + stayed.map(function (h) {
        return esc(h.name) + " (line " + h.line + ", " + (h.action === "not-selected" ? "not selected" :
          h.classification + ": another phase migrates it") + ")";
      }).join("; ") + "</p>");
    }
    if (f.notes.length) {
      out.push('<ul class="notes">' + f.notes.map(function (n) { return "<li>" + esc(n) + "</li>"; }).join("") +
        "</ul>");
    }
    out.push(f.changed
      ? '<div class="diff" data-pending="1"><p class="loading">diff drawn when scrolled into view</p></div>' :
      '<p class="unchanged">No change.</p>');
    return out.join("");
  }

  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      var el = entry.target;
      observer.unobserve(el);
      drawDiff(el);
    });
  }, { rootMargin: "300px 0px" });
  function drawDiff(el) {
    if (el.getAttribute("data-pending") !== "1") return;
    el.removeAttribute("data-pending");
    var f = files[Number(el.closest("section.file").getAttribute("data-i"))];
    el.innerHTML = Diff2Html.html(f.patch, { outputFormat: "side-by-side", drawFileList: false, matching: "lines" });
  }
  function setOpen(i, open) {
    var card = cards[i];
    card.setAttribute("data-open", open ? "1" : "0");
    card.querySelector(".toggle").textContent = open ? "▾" : "▸";
    if (open && !rendered[i]) {
      rendered[i] = true;
      card.querySelector(".body").innerHTML = bodyHtml(files[i]);
      var diff = card.querySelector(".diff");
      if (diff) observer.observe(diff);
    }
  }
  cards.forEach(function (card, i) { if (card.getAttribute("data-open") === "1") setOpen(i, true); });

  function setViewed(i, on) {
    var f = files[i];
    if (on) viewed.add(f.file); else viewed.delete(f.file);
    saveViewed();
    cards[i].classList.toggle("viewed", on);
    cards[i].querySelector(".viewed-input").checked = on;
    if (on) setOpen(i, false);
    updateProgress();
    applyFilters();
  }
  function updateProgress() {
    document.getElementById("viewed-count").textContent = viewed.size + " of " + files.length + " files viewed";
  }

  // Filters: every select narrows the handler rows; a card shows when one of its rows does.
  var FILTERS = ["wrapper", "version", "classification", "action", "reason", "section"];
  function fillSelect(name, values) {
    var select = document.getElementById("filter-" + name);
    select.innerHTML = '<option value="">' + select.getAttribute("data-all") + "</option>" + values.map(function (v) {
      return '<option value="' + esc(v) + '">' + esc(v) + "</option>";
    }).join("");
  }
  function distinct(pick) {
    var set = new Set();
    rows.forEach(function (r) { [].concat(pick(r)).forEach(function (v) { if (v) set.add(v); }); });
    return Array.from(set).sort();
  }
  fillSelect("wrapper", distinct(function (r) { return r.wrapper; }));
  fillSelect("version", distinct(function (r) { return r.version; }));
  fillSelect("classification", distinct(function (r) { return r.classification; }));
  fillSelect("action", distinct(function (r) { return r.span ? [r.action, "write span"] : r.action; }));
  fillSelect("reason", ["(any reason)"].concat(distinct(function (r) { return r.reasons; })));
  fillSelect("section", distinct(function (r) { return files[r.file].section; }));

  function applyFilters() {
    var value = {};
    FILTERS.forEach(function (name) { value[name] = document.getElementById("filter-" + name).value; });
    var text = document.getElementById("filter-text").value.trim().toLowerCase();
    var hideViewed = document.getElementById("filter-unviewed").checked;
    var shownFiles = new Array(files.length).fill(false);
    var matched = [];
    rows.forEach(function (r, n) {
      var f = files[r.file];
      var ok = (!value.wrapper || r.wrapper === value.wrapper) &&
        (!value.version || r.version === value.version) &&
        (!value.classification || r.classification === value.classification) &&
        (!value.action || r.action === value.action || (value.action === "write span" && r.span)) &&
        (!value.reason ||
          (value.reason === "(any reason)" ? r.reasons.length > 0 : r.reasons.indexOf(value.reason) >= 0)) &&
        (!value.section || f.section === value.section) &&
        (!text || r.text.indexOf(text) >= 0) &&
        !(hideViewed && viewed.has(f.file));
      if (ok) { shownFiles[r.file] = true; matched.push(n); }
    });
    renderIndex(matched);
    cards.forEach(function (card, i) { card.hidden = !shownFiles[i]; });
    document.querySelectorAll("h2.section").forEach(function (h) {
      var section = h.getAttribute("data-section");
      h.hidden = !files.some(function (f, i) { return f.section === section && shownFiles[i]; });
    });
    data.groups.forEach(function (g, n) {
      var el = main.querySelector('.group[data-group="' + n + '"]');
      var shown = g.files.filter(function (i) { return shownFiles[i]; }).length;
      el.hidden = shown === 0;
      el.querySelector(".group-shown").textContent = shown === g.files.length ? "" : "(" + shown + " shown)";
    });
    document.getElementById("shown-count").textContent = matched.length + " of " + rows.length + " rows, " +
      shownFiles.filter(Boolean).length + " of " + files.length + " files";
  }
  FILTERS.forEach(function (name) {
    document.getElementById("filter-" + name).addEventListener("change", applyFilters);
  });
  document.getElementById("filter-text").addEventListener("input", applyFilters);
  document.getElementById("filter-unviewed").addEventListener("change", applyFilters);

  // Selection for migrate --only-from: handler rows pick file:line, cards pick the whole file.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList.contains("pick")) {
      var key = target.getAttribute("data-key");
      if (target.checked) selected.add(key); else selected.delete(key);
      document.querySelectorAll('.pick[data-key="' + CSS.escape(key) + '"]').forEach(function (box) {
        box.checked = target.checked;
      });
      document.getElementById("selection-count").textContent = selected.size + " selected";
    } else if (target.classList.contains("viewed-input")) {
      setViewed(Number(target.closest("section.file").getAttribute("data-i")), target.checked);
    }
  });
  document.getElementById("export").addEventListener("click", function () {
    var text = Array.from(selected).sort().join("\n") + (selected.size ? "\n" : "");
    var out = document.getElementById("selection-out");
    out.value = text;
    out.hidden = false;
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    link.download = "tenant-kit-selection.txt";
    link.click();
  });
  main.addEventListener("click", function (event) {
    var toggle = event.target.closest(".toggle, .path");
    if (!toggle) return;
    var i = Number(toggle.closest("section.file").getAttribute("data-i"));
    setOpen(i, cards[i].getAttribute("data-open") !== "1");
    focusCard(i, false);
  });

  // Keyboard: j/k files, n/p manual-review items and write spans, o open, v viewed, x select, / search.
  function visibleCards() {
    return cards.map(function (c, i) { return i; }).filter(function (i) { return !cards[i].hidden; });
  }
  function focusCard(i, scroll) {
    if (current >= 0) cards[current].classList.remove("current");
    current = i;
    cards[i].classList.add("current");
    if (scroll) cards[i].scrollIntoView({ block: "start" });
  }
  function moveFile(step) {
    var shown = visibleCards();
    if (!shown.length) return;
    var at = shown.indexOf(current);
    var next = at < 0 ? (step > 0 ? shown[0] : shown[shown.length - 1])
      : shown[Math.min(Math.max(at + step, 0), shown.length - 1)];
    setOpen(next, true);
    focusCard(next, true);
  }
  function moveItem(step) {
    var shown = items.filter(function (it) { return !cards[it.file].hidden; });
    if (!shown.length) return;
    var at = shown.indexOf(items[currentItem]);
    var next = at < 0 ? (step > 0 ? 0 : shown.length - 1) : Math.min(Math.max(at + step, 0), shown.length - 1);
    currentItem = items.indexOf(shown[next]);
    showLine(shown[next].file, shown[next].line, shown[next].kind);
  }
  function showLine(i, line, kind) {
    setOpen(i, true);
    focusCard(i, false);
    document.querySelectorAll(".current-item").forEach(function (el) { el.classList.remove("current-item"); });
    var selector = kind === "span" ? '.span[data-item="' + line + '"]'
      : kind === "review" ? '.review [data-item="' + line + '"]'
      : '[data-line="' + line + '"], [data-item="' + line + '"]';
    var el = cards[i].querySelector(selector) || cards[i];
    el.classList.add("current-item");
    el.scrollIntoView({ block: "center" });
  }
  document.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (tag === "INPUT" && event.target.type === "text" || tag === "SELECT" || tag === "TEXTAREA") {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var handled = true;
    if (event.key === "j") moveFile(1);
    else if (event.key === "k") moveFile(-1);
    else if (event.key === "n") moveItem(1);
    else if (event.key === "p") moveItem(-1);
    else if (event.key === "o" && current >= 0) setOpen(current, cards[current].getAttribute("data-open") !== "1");
    else if (event.key === "v" && current >= 0) setViewed(current, !viewed.has(files[current].file));
    else if (event.key === "x" && current >= 0) cards[current].querySelector(".pick").click();
    else if (event.key === "/") document.getElementById("filter-text").focus();
    else handled = false;
    if (handled) event.preventDefault();
  });

  // Links from the pull-request summary: #f:<file> or #f:<file>:<line>.
  function followHash() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("f:") !== 0) return;
    var rest = hash.slice(2);
    var match = /^(.*):(\d+)$/.exec(rest);
    var file = match ? match[1] : rest;
    var i = files.findIndex(function (f) { return f.file === file; });
    if (i < 0) return;
    if (match) showLine(i, Number(match[2]), "");
    else { setOpen(i, true); focusCard(i, true); }
  }
  window.addEventListener("hashchange", followHash);
  index.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (link && link.getAttribute("href") === location.hash) { event.preventDefault(); followHash(); }
  });

  updateProgress();
  applyFilters();
  followHash();
  document.body.setAttribute("data-ready", "1");
  performance.mark("tenant-kit-review-ready");
})();
`;

/** The keys of the review page, as its help line lists them. */
export const REVIEW_PAGE_KEYS: readonly (readonly [string, string])[] = [
  ["j / k", "next / previous file"],
  ["n / p", "next / previous item (manual-review item or write span)"],
  ["o", "open or close the file"],
  ["v", "mark the file viewed (kept in this browser for this run)"],
  ["x", "select the file for export"],
  ["/", "search; Esc leaves the search box"],
];
