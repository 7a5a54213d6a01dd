// The /search/ page: runs the query from ?q= (and as you type) against the Pagefind index in /pagefind/,
// in the browser, with no server. Loaded by templates/search.html with two data attributes, both written by
// url() so they work at the domain root, under a sub-path and with relative links:
//   data-bundle  the Pagefind bundle (pagefind/pagefind.js)     data-root  the site's home page
// Results link to the thread page and, when a match is in a comment, to the first such comment's anchor.
// Result text is only ever inserted as text: Pagefind's excerpt is split on its <mark> tags, never parsed as HTML.
(function () {
  "use strict";
  const script = document.currentScript;
  const input = document.getElementById("search-q");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const form = input && input.form;
  if (!script || !input || !status || !list) return;

  const MAX_RESULTS = 20;
  const bundleUrl = new URL(script.dataset.bundle, document.baseURI).href;
  const root = new URL(script.dataset.root, document.baseURI);
  root.pathname = root.pathname.replace(/index\.html$/, "");
  root.search = "";
  root.hash = "";

  let pagefind = null;
  let latest = 0;
  let timer = 0;

  function say(text) {
    status.textContent = text;
  }

  async function load() {
    if (!pagefind) {
      pagefind = await import(bundleUrl);
      // Result URLs relative to the site root ("/t/slug/"); link() puts them under `root`, whatever the mode.
      await pagefind.options({ baseUrl: "/", excerptLength: 24 });
    }
    return pagefind;
  }

  function decode(text) {
    const area = document.createElement("textarea");
    area.innerHTML = text; // RCDATA: entities are decoded, no element is ever created
    return area.value;
  }

  function excerpt(html) {
    const p = document.createElement("p");
    p.className = "search-excerpt";
    let marked = false;
    for (const piece of String(html || "").split(/(<mark>|<\/mark>)/)) {
      if (piece === "<mark>") marked = true;
      else if (piece === "</mark>") marked = false;
      else if (piece) {
        const text = document.createTextNode(decode(piece.replace(/<[^>]*>/g, "")));
        if (marked) {
          const mark = document.createElement("mark");
          mark.appendChild(text);
          p.appendChild(mark);
        } else {
          p.appendChild(text);
        }
      }
    }
    return p;
  }

  // The comment holding the first match that is in a comment (matches in the title, summary or key points
  // come before every comment anchor); "" when no match is in a comment.
  function commentAnchor(data) {
    const anchors = (data.anchors || []).filter((a) => String(a.id).startsWith("comment-"));
    for (const location of [...(data.locations || [])].sort((a, b) => a - b)) {
      let found = "";
      for (const anchor of anchors) {
        if (anchor.location > location) break;
        found = anchor.id;
      }
      if (found) return found;
    }
    return "";
  }

  function link(data) {
    const target = new URL(String(data.url).replace(/^\/+/, ""), root);
    const anchor = commentAnchor(data);
    if (anchor) target.hash = anchor;
    return target.href;
  }

  function show(query, results, total) {
    list.replaceChildren();
    for (const data of results) {
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = link(data);
      a.textContent = (data.meta && data.meta.title) || data.url;
      const heading = document.createElement("h2");
      heading.className = "search-result-title";
      heading.appendChild(a);
      item.appendChild(heading);
      item.appendChild(excerpt(data.excerpt));
      list.appendChild(item);
    }
    const shown = total > results.length ? ` (showing the first ${results.length})` : "";
    say(total ? `${total} page${total === 1 ? "" : "s"} found for “${query}”${shown}.` : `Nothing found for “${query}”.`);
  }

  async function run(query) {
    const ticket = ++latest;
    query = query.trim();
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    if (!query) {
      list.replaceChildren();
      say("");
      return;
    }
    if (location.protocol === "file:") {
      say("Search works when the site is served over HTTP; a browser opening files from disk blocks it.");
      return;
    }
    say("Searching…");
    try {
      const engine = await load();
      const found = await engine.search(query);
      if (ticket !== latest) return;
      const results = await Promise.all(found.results.slice(0, MAX_RESULTS).map((r) => r.data()));
      if (ticket !== latest) return;
      show(query, results, found.results.length);
    } catch (error) {
      if (ticket !== latest) return;
      say("Search could not load its index here.");
      console.warn("search:", error);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value), 200);
  });
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      run(input.value);
    });
  }
  const initial = new URLSearchParams(location.search).get("q") || "";
  if (initial) {
    input.value = initial;
    run(initial);
  }
})();
