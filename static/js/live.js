// Live collaboration on the agent's ticket page and lists (templates/tickets/_live_*.html).
//
// One event stream per tab, and only while the tab is visible: browsers allow six HTTP/1.1
// connections per host, so an agent with many tabs open must not hold one stream in each, or
// their own clicks would wait for a free connection. The stream is opened by putting the page's
// <template id="live-template"> into #live (htmx's SSE extension connects its sse-connect element)
// and closed by emptying #live (htmx cleans the element up and the extension closes the stream).
//
// A "changed" event makes the ticket page reload #ticket; what the agent is typing there (the
// reply draft, and the ticket version the draft answers) survives that reload. The reply box also
// tells the server, at most every few seconds, that the agent is writing.
(function () {
  "use strict";
  const box = document.getElementById("live");
  const template = document.getElementById("live-template");
  if (!box || !template || !window.htmx) return;

  const TYPING_EVERY_MS = 3000;
  let open = false;

  function connect() {
    if (open || document.hidden) return;
    open = true;
    htmx.swap(box, template.innerHTML, { swapStyle: "innerHTML", swapDelay: 0, settleDelay: 0 });
  }

  function disconnect() {
    if (!open) return;
    open = false;
    htmx.swap(box, "", { swapStyle: "innerHTML", swapDelay: 0, settleDelay: 0 });
  }

  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", connect); // back from the back/forward cache
  connect();

  // -- the ticket page: keep the draft across a live reload ---------------------------------

  function key(field) {
    const form = field.form;
    return (form ? form.getAttribute("action") : "") + "|" + field.name;
  }

  function kept(ticket) {
    // Text the agent typed (or, in the reply box, that the server gave back as a draft) and the
    // version it answers. A field the agent did not touch takes the new value: otherwise a reload
    // would put back the old ticket notes or subject over someone else's change.
    const values = new Map();
    ticket.querySelectorAll("textarea[name], input[type=text][name]").forEach((field) => {
      if (field.value !== field.defaultValue || (field.value && field.closest("form.reply"))) {
        values.set(key(field), field.value);
        field.form?.querySelectorAll("[data-live-keep]").forEach((k) => values.set(key(k), k.value));
      }
    });
    return values;
  }

  let pending = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.hasAttribute && source.hasAttribute("data-live-refresh")) {
      const ticket = document.getElementById("ticket");
      const active = document.activeElement;
      pending = ticket ? { values: kept(ticket), focus: active && ticket.contains(active) && active.name ? key(active) : null,
                           start: active && active.selectionStart, end: active && active.selectionEnd } : null;
      if (event.detail.xhr.status >= 400) event.detail.shouldSwap = false; // gone from sight: keep what is shown
    }
  });

  document.addEventListener("htmx:afterSwap", () => {
    if (!pending) return;
    const { values, focus, start, end } = pending;
    pending = null;
    const ticket = document.getElementById("ticket");
    if (!ticket) return;
    ticket.querySelectorAll("textarea[name], input[name]").forEach((field) => {
      const k = key(field);
      if (values.has(k)) field.value = values.get(k);
      if (k === focus) {
        field.focus();
        if (typeof start === "number" && field.setSelectionRange) field.setSelectionRange(start, end);
      }
    });
  });

  // -- the ticket page: no reload for the tab's own change ----------------------------------
  // The tab that saved a change already shows its result (with its notice); a reload would only
  // repeat it. Other tabs, and other agents, reload.

  const OWN_WRITE_MS = 5000;
  let lastOwnWrite = 0;
  function ownWrite(event) {
    const config = event.detail.requestConfig;
    if (config && config.verb !== "get" && config.path !== box.dataset.typingUrl) lastOwnWrite = Date.now();
  }
  document.addEventListener("htmx:beforeRequest", ownWrite);
  document.addEventListener("htmx:afterRequest", ownWrite);

  document.addEventListener("htmx:confirm", (event) => {
    if (!event.detail.elt.hasAttribute("data-live-refresh")) return;
    let data = {};
    try {
      data = JSON.parse(event.detail.triggeringEvent.detail.data);
    } catch (e) {
      return;
    }
    const mine = data.by != null && String(data.by) === box.dataset.agent;
    if (mine && Date.now() - lastOwnWrite < OWN_WRITE_MS) event.preventDefault();
  });

  // -- the ticket page: "is writing a reply" -------------------------------------------------

  let lastTyping = 0;
  document.addEventListener("input", (event) => {
    const url = box.dataset.typingUrl;
    const field = event.target;
    if (!url || field.tagName !== "TEXTAREA" || !field.closest("#ticket form.reply")) return;
    const now = Date.now();
    if (now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    htmx.ajax("POST", url, { source: box, swap: "none" });
  });

  // -- lists: "N tickets changed, refresh" -----------------------------------------------------

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#live .live-reload");
    if (!link) return;
    event.preventDefault();
    const rows = document.getElementById("ticket-rows");
    if (rows) {
      htmx.ajax("GET", window.location.pathname + window.location.search, { target: rows, swap: "outerHTML" });
      disconnect(); // a new stream counts from zero
      connect();
    } else {
      window.location.reload();
    }
  });
})();
