// The admin console: plain DOM, no framework, no build step. Every value from the API is written with
// textContent (never innerHTML), the token lives in sessionStorage and travels only in the Authorization header.
"use strict";

(() => {
  const storageKey = "portcullis-admin-token";
  const $ = (id) => document.getElementById(id);
  const view = $("view");

  // Characters that show nothing or reorder what is shown (controls, format characters such as the bidirectional
  // overrides and zero-width spaces, line and paragraph separators, and the variation selectors, fillers and marks that
  // show nothing, and the code points Unicode reserves as default-ignorable, which show nothing before they are even
  // assigned: VisibleText.IsHidden on the server) are written as \u escapes, as JSON would write them: a reviewer
  // reading "pay to account 0123456789" must not be reading 9876543210 turned around, nor "Thanks 😊" that carries a
  // message in variation selectors. U+FE0F (an emoji's colour form) shows as it is. The line feeds and tabs of the
  // console's own text stay.
  const hiddenPattern = "(?![\\n\\t])[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180D\\u180F\\u3164\\uFE00-\\uFE0E\\uFFA0\\u2065\\uFFF0-\\uFFF8\\u{E0000}-\\u{E0FFF}]";
  const hasHidden = (text) => new RegExp(hiddenPattern, "u").test(text);
  const visible = (text) => String(text).replace(new RegExp(hiddenPattern, "gu"), (ch) =>
    Array.from({ length: ch.length }, (_, i) => "\\u" + ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")).join(""));

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "text") node.textContent = visible(value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  };

  const status = (message) => { $("status").textContent = message || ""; };

  // A reviewer must see the arguments that will run, digit for digit: JavaScript numbers would round
  // 12345678901234567891 to ...67000 and 0.30000000000000001 to 0.3. A number whose text a double does not give
  // back is kept as its source text (JSON.parse source access and JSON.rawJSON, so JSON.stringify writes it as sent).
  const exactNumbers = typeof JSON.rawJSON === "function";
  const parseExact = (text) => JSON.parse(text, (key, value, context) =>
    typeof value === "number" && exactNumbers && typeof context?.source === "string" && JSON.stringify(value) !== context.source
      ? JSON.rawJSON(context.source)
      : value);

  async function api(path, options = {}) {
    const token = sessionStorage.getItem(storageKey);
    const response = await fetch("/admin/api" + path, {
      ...options,
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
    const text = await response.text().catch(() => "");
    let body = null;
    try { body = text ? parseExact(text) : null; } catch { body = null; }
    if (response.status === 401) { signOut("The token was refused; sign in again."); throw new Error("unauthenticated"); }
    if (!response.ok) throw new Error(body?.error?.message || ("HTTP " + response.status));
    return body;
  }

  const table = (headers, rows) => el("table", {},
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows));

  const json = (value) => el("pre", { text: JSON.stringify(value, null, 2) });

  // Every item of a list, page after page: a view that showed only the first page hid the rest without a word.
  async function allPages(path, field) {
    const all = [];
    let next = null;
    do {
      const page = await api(path + (next ? "&cursor=" + encodeURIComponent(next) : ""));
      all.push(...page[field]);
      next = page.next;
    } while (next);
    return all;
  }

  // Every pending review (the API gives at most 500 a page).
  const pendingReviews = () => allPages("/reviews?state=pending&limit=500", "reviews");

  // Why a reviewer cannot decide a pending review, or null when they can.
  const undecidable = (r) => r.mode === "caller"
    ? "The calling user confirms this call in their client (caller mode); reviewers cannot decide it."
    : r.outdated
      ? "Outdated: the tool's definition changed since the call was held, so it can never run. The agent asks again with a new idempotency key."
      : null;

  // A decided row stays where it was, its controls disabled, until the view is opened again. The list was loaded again
  // at once: the rows below moved up, and the second click of a double-click on Approve (or Deny, or "It did not")
  // landed on the next row's button, deciding a call its reviewer had not read. Controls are disabled from the first
  // click, so a second one never sends the decision twice either.
  async function settle(controls, actions, testId, send, done) {
    for (const control of controls) control.disabled = true;
    try {
      const answer = await send();
      actions.append(el("p", { class: "note", "data-testid": testId, text: done(answer) + " The list is brought up to date when this view is opened again." }));
    } catch (e) {
      for (const control of controls) control.disabled = false;
      status(e.message);
    }
  }

  const decided = (d) => d.state === "pending"
    ? `Your approval is recorded (${d.approvals.length} of ${d.approvals_required}).`
    : d.state === "approved" ? "Approved." : d.state === "denied" ? "Denied." : "Decided (" + d.state + ").";

  // Who approved a review that needs more than one approval so far, when and why: a reviewer adds theirs knowing whose
  // it joins (and that their own is already counted).
  const approvedBy = (r) => r.approvals.length ? [el("ul", { class: "approvals", "data-testid": "approvals-" + r.id },
    ...r.approvals.map((a) => el("li", { text: `approved by ${a.reviewer} at ${a.at}` + (a.reason ? `: ${a.reason}` : "") })))] : [];

  // Held arguments are shown in a box of bounded height that scrolls (console.css). Before, a call whose arguments ran
  // long (a megabyte of text, thousands of array items) made its row as tall as they were: what came after them was far
  // out of sight below Approve, which stays at the top of the row. A box that holds more than it shows is named, above
  // it, with the length of what it holds, so the reviewer knows to scroll through it all (or read it from the API).
  function flagLongArguments() {
    for (const box of view.querySelectorAll("pre.arguments")) {
      const length = box.textContent.length;
      if (box.scrollHeight > box.clientHeight + 1 || length > 10000) {
        box.before(el("p", { class: "warning", "data-testid": "long-arguments-" + box.dataset.review,
          text: `These arguments are ${length.toLocaleString("en")} characters long and do not fit in the box: scroll through all of it before deciding, or read them from GET /admin/api/reviews/${box.dataset.review}.` }));
      }
    }
  }

  // The admin API replaces the values of properties named in audit.redact with this mask: a reviewer approving the call
  // approves those values unseen, and must be told so (an agent that knows which names are redacted can put anything there).
  const hasRedacted = (value) => value === "[redacted]"
    || (typeof value === "object" && value !== null && Object.values(value).some(hasRedacted));

  // A word whose letters are of several scripts reads as another word: "аdmin" with a Cyrillic а reads "admin". The API
  // names each such word of the arguments (warnings with code mixed_scripts: MixedScripts on the server, not checked
  // again here); each is listed under the arguments with the letters of its other scripts marked and their code points,
  // and those letters are marked in the arguments too, wherever the word is in them.
  const mixedScripts = (r) => (r.warnings || []).filter((w) => w.code === "mixed_scripts");

  const markLetter = (ch, letter) => el("mark", { class: "script", title: letter.code_point + " " + letter.script, text: ch });

  // The word, its odd letters each marked and followed by its code point.
  function markedWord(w) {
    const odd = new Map(w.letters.map((l) => [l.letter, l]));
    const parts = [];
    let plain = "";
    for (const ch of w.word) {
      const letter = odd.get(ch);
      if (!letter) { plain += ch; continue; }
      if (plain) parts.push(el("span", { text: plain }));
      plain = "";
      parts.push(markLetter(ch, letter), el("span", { class: "code-point", text: letter.code_point }));
    }
    if (plain) parts.push(el("span", { text: plain }));
    return parts;
  }

  function mixedScriptsWarning(r, warnings) {
    return el("div", { class: "warning", "data-testid": "mixed-scripts-" + r.id },
      el("p", { text: "Words that mix letters of different scripts can pass for other words (\"admin\" written with a Cyrillic \"а\"): the letters of the other script are marked." }),
      el("ul", {}, ...warnings.map((w) => el("li", { "data-path": w.path },
        el("span", { text: (w.path || "the value") + (w.in === "key" ? " (property name)" : "") + ": \"" }), ...markedWord(w),
        el("span", { text: "\" " + w.message + " (" + w.letters.map((l) => l.letter + " " + l.code_point + " " + l.script).join(", ") + ")" })))),
      ...(r.warnings_truncated ? [el("p", { text: "Only the first " + warnings.length + " such words are listed, and the arguments hold more: read them from the API before deciding." })] : []));
  }

  // The same letters, marked in the arguments box wherever a flagged word is (any place the word is, it mixes scripts).
  function markInArguments(box, warnings) {
    const text = box.textContent;
    const marked = new Map();
    for (const w of warnings) {
      const word = visible(w.word);
      const odd = new Map(w.letters.map((l) => [l.letter, l]));
      for (let at = text.indexOf(word); at >= 0 && marked.size < 2000; at = text.indexOf(word, at + 1)) {
        for (let i = at; i < at + word.length;) {
          const ch = String.fromCodePoint(text.codePointAt(i));
          if (odd.has(ch)) marked.set(i, odd.get(ch));
          i += ch.length;
        }
      }
    }
    if (!marked.size) return;
    const parts = [];
    let from = 0;
    for (const at of [...marked.keys()].sort((a, b) => a - b)) {
      const ch = String.fromCodePoint(text.codePointAt(at));
      parts.push(document.createTextNode(text.slice(from, at)), markLetter(ch, marked.get(at)));
      from = at + ch.length;
    }
    parts.push(document.createTextNode(text.slice(from)));
    box.replaceChildren(...parts);
  }

  function argumentsBox(r) {
    const box = el("pre", { class: "arguments", "data-review": r.id, text: JSON.stringify(r.arguments, null, 2) });
    const warnings = mixedScripts(r);
    if (warnings.length) markInArguments(box, warnings);
    return [box, ...(warnings.length ? [mixedScriptsWarning(r, warnings)] : [])];
  }

  async function reviews() {
    const pending = await pendingReviews();
    const rows = pending.map((r) => {
      const reason = el("input", { type: "text", placeholder: "reason", "aria-label": "reason", "data-testid": "reason-" + r.id, maxlength: "1000" });
      const decide = (decision) => () => settle([reason, approve, deny], actions, "decided-" + r.id, async () => {
        const answer = await api("/reviews/" + encodeURIComponent(r.id), { method: "POST", body: JSON.stringify({ decision, reason: reason.value || null }) });
        status(`Review ${r.id}: ${decision === "approve" ? "approved" : "denied"}.`);
        return answer;
      }, decided);
      const approve = el("button", { type: "button", text: "Approve", "data-testid": "approve-" + r.id, onclick: decide("approve") });
      const deny = el("button", { type: "button", text: "Deny", "data-testid": "deny-" + r.id, onclick: decide("deny") });
      const actions = el("div", { class: "actions" }, reason, approve, deny);
      // The key is the agent's own text, written as text like every value: it tells one held call from another of the
      // same arguments (a retry of a call already decided, or a second action the agent means).
      return el("tr", { "data-review": r.id },
        el("td", {}, el("div", { text: r.connector + " / " + r.tool }),
          el("div", { class: "key", "data-testid": "key-" + r.id, text: "idempotency key: " + r.key })),
        el("td", { text: r.principal + (r.client_id ? " (" + r.client_id + ")" : "") }),
        el("td", {}, ...argumentsBox(r), ...(hasHidden(JSON.stringify(r.arguments)) ? [el("p", { class: "warning", "data-testid": "hidden-characters-" + r.id,
          text: "These arguments hold characters that show nothing or change the order text is shown in; each is shown as its \\u escape." })] : []),
          ...(hasRedacted(r.arguments) ? [el("p", { class: "warning", "data-testid": "redacted-" + r.id,
            text: "Values shown as \"[redacted]\" are hidden from reviewers (audit.redact): approving runs them unseen, whatever the agent put there." })] : [])),
        el("td", {}, el("div", { text: `${r.created_at}\nexpires ${r.expires_at}\n${r.approvals.length} of ${r.approvals_required} approvals` }),
          ...approvedBy(r)),
        el("td", {}, undecidable(r)
          ? el("p", { class: "note", text: undecidable(r), "data-testid": "undecidable-" + r.id })
          : actions));
    });
    return [el("h2", { text: "Pending reviews" }),
      ...(exactNumbers || !rows.length ? [] : [el("p", { class: "warning", "data-testid": "inexact-numbers",
        text: "This browser cannot show numbers of more than 15 digits exactly: read the arguments from GET /admin/api/reviews before approving." })]),
      rows.length ? table(["Call", "Caller", "Arguments", "Times", "Decision"], rows) : el("p", { text: "No call is waiting for review.", "data-testid": "no-reviews" })];
  }

  async function connectors() {
    const page = await api("/connectors");
    const parts = [el("h2", { text: "Connectors" })];
    for (const c of page.connectors) {
      const tools = await api("/connectors/" + encodeURIComponent(c.name) + "/tools");
      parts.push(el("h3", {}, el("span", { text: c.name + " " }),
        el("span", { class: c.upstream.up ? "up" : "down", text: c.upstream.up ? "up" : c.upstream.state })));
      parts.push(table(["Tool", "Allowed", "Scopes", "Policy"], tools.tools.map((t) => el("tr", {},
        el("td", { text: t.name }), el("td", { text: t.allowed ? "yes" : "no: " + t.reason }),
        el("td", { text: (t.scopes || []).join(" ") }),
        el("td", {}, json({ kind: t.kind, review: t.review, timeout_seconds: t.timeout_seconds, rate_limit: t.rate_limit }))))));
    }
    return parts;
  }

  async function audit(query = "") {
    const page = await api("/audit?limit=100" + query);
    const fields = ["kind", "decision", "connector", "tool", "principal"];
    const inputs = fields.map((f) => el("input", { type: "text", placeholder: f, "aria-label": f, name: f }));
    const filter = el("form", { class: "filters", onsubmit: async (e) => {
      e.preventDefault();
      const q = inputs.filter((i) => i.value).map((i) => "&" + i.name + "=" + encodeURIComponent(i.value)).join("");
      await show("audit", q);
    } }, ...inputs, el("button", { type: "submit", text: "Filter" }));
    return [el("h2", { text: "Audit trail" }), filter, table(["Time", "Kind", "Decision", "Where", "Who", "Detail"], page.events.map((e) => el("tr", {},
      el("td", { text: e.time }), el("td", { text: e.kind }), el("td", { text: e.decision + (e.count ? " \u00d7" + e.count : "") + (e.code ? " (" + e.code + ")" : "") }),
      el("td", { text: [e.connector, e.tool].filter(Boolean).join(" / ") }),
      el("td", { text: [e.principal || e.remote_address, e.actor ? "by " + e.actor : null].filter(Boolean).join(" ") }),
      el("td", { text: e.detail || "" }))))];
  }

  // A field of a record the store could not read is null in the API (named in unreadable.fields): it reads "unreadable",
  // never "null" or "undefined", which could be taken for a stored value.
  const shown = (value) => value ?? "unreadable";

  // A record the store cannot read (damaged by hand or by another program) cannot be settled here: the API refuses it
  // (409). Before, its row offered "It took effect" and "It did not", which could only fail, its lost fields read "null",
  // and nothing said what was wrong or what to do. The row now names the fields that could not be read and the store's
  // own name of the record (store_key), to delete with the store's tools once the target system is checked.
  const unreadableNote = (u) => el("div", { class: "unreadable", "data-testid": "unreadable" },
    el("p", { class: "warning", "data-testid": "unreadable-fields",
      text: `The store cannot read this record (${(u.fields || []).join(", ") || "unknown fields"}): it cannot be settled here, and its retries answer idempotency_outcome_unknown. Check the target system, then delete the record with the store's own tools; its store key:` }),
    el("pre", { class: "store-key", "data-testid": "store-key", text: u.store_key ?? "" }));

  async function keys() {
    // Every outcome-unknown key (the API gives at most 1000 a page; without a limit, 100).
    const records = await allPages("/idempotency?state=outcome_unknown&limit=1000", "records");
    const rows = records.map((r) => {
      const cells = [el("td", { text: shown(r.connector) + " / " + shown(r.tool) }), el("td", { text: shown(r.principal) }), el("td", { text: shown(r.key) }),
        el("td", { text: shown(r.created_at) })];
      if (r.unreadable) return el("tr", { class: "damaged" }, ...cells, el("td", {}, unreadableNote(r.unreadable)));
      const note = el("input", { type: "text", placeholder: "note", "aria-label": "note", maxlength: "1000" });
      const resolve = (executed) => () => settle([note, tookEffect, didNot], actions, "settled-" + r.id, async () => {
        await api("/idempotency/" + encodeURIComponent(r.id) + "/resolve", { method: "POST", body: JSON.stringify({ executed, note: note.value || null, correlation_id: r.correlation_id }) });
        status("Key settled.");
      }, () => executed ? "Settled: it took effect." : "Settled: it did not take effect.");
      const tookEffect = el("button", { type: "button", text: "It took effect", onclick: resolve(true) });
      const didNot = el("button", { type: "button", text: "It did not", onclick: resolve(false) });
      const actions = el("div", { class: "actions" }, note, tookEffect, didNot);
      return el("tr", {}, ...cells, el("td", {}, actions));
    });
    return [el("h2", { text: "Outcome-unknown keys" }),
      rows.length ? table(["Call", "Caller", "Key", "Created", "Settle"], rows) : el("p", { text: "No key is outcome-unknown." })];
  }

  const views = { reviews, connectors, audit, keys };

  async function show(name, query) {
    for (const b of document.querySelectorAll("nav button[data-view]")) {
      if (b.dataset.view === name) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
    }
    try {
      view.replaceChildren(...await views[name](query));
      flagLongArguments();
      location.hash = name;
    } catch (e) {
      if (e.message !== "unauthenticated") { view.replaceChildren(el("p", { text: e.message })); }
    }
  }

  function signedIn() {
    $("sign-in").hidden = true;
    $("nav").hidden = false;
    view.hidden = false;
    // Only the views' own names: "#constructor" or "#toString" would find what every object inherits.
    const asked = location.hash.slice(1);
    show(Object.hasOwn(views, asked) ? asked : "reviews");
  }

  function signOut(message) {
    sessionStorage.removeItem(storageKey);
    $("nav").hidden = true;
    view.hidden = true;
    view.replaceChildren();
    $("sign-in").hidden = false;
    status(message);
  }

  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(storageKey, $("token").value.trim());
    $("token").value = "";
    status("");
    signedIn();
  });
  $("dev-sign-in").addEventListener("click", async () => {
    const response = await fetch("/admin/dev-sign-in", { method: "POST", headers: { "X-Portcullis-Console": "1" } });
    if (!response.ok) {
      status("The dev sign-in is not available here.");
      return;
    }
    const body = await response.json();
    sessionStorage.setItem(storageKey, body.token);
    status("Signed in as " + body.subject + ".");
    signedIn();
  });
  fetch("/admin/dev-sign-in").then((r) => { $("dev-sign-in-row").hidden = !r.ok; }, () => {});
  $("sign-out").addEventListener("click", () => signOut("Signed out."));
  for (const b of document.querySelectorAll("nav button[data-view]")) b.addEventListener("click", () => show(b.dataset.view));
  if (sessionStorage.getItem(storageKey)) signedIn();
})();
