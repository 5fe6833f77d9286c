// Stride's progressive enhancement. Every page works without this file:
// forms post and the server renders the verdicts. With it, answers are
// checked in place, progress is kept in this browser (localStorage, no
// cookies), and an embedded exercise tells its host page about its size
// and results.
(function () {
  "use strict";

  var PROGRESS_KEY = "stride.progress.v1";

  // --- progress -----------------------------------------------------------

  function loadProgress() {
    try {
      var raw = window.localStorage.getItem(PROGRESS_KEY);
      var data = raw ? JSON.parse(raw) : {};
      return data && typeof data === "object" ? data : {};
    } catch (e) {
      return {}; // storage blocked (private mode, sandboxed iframe)
    }
  }

  function saveProgress(data) {
    try {
      window.localStorage.setItem(PROGRESS_KEY, JSON.stringify(data));
    } catch (e) {
      /* progress is a convenience; never fail a check over it */
    }
  }

  // recordSolved remembers the parts answered correctly for one variant.
  function recordSolved(exercise, seed, partIDs) {
    if (!partIDs.length) return;
    var data = loadProgress();
    var ex = data[exercise] || (data[exercise] = {});
    var solved = ex[seed] || (ex[seed] = []);
    partIDs.forEach(function (id) {
      if (solved.indexOf(id) < 0) solved.push(id);
    });
    saveProgress(data);
  }

  // --- answers kept per variant ---------------------------------------------
  // What a student typed and the verdicts it got are kept per exercise and
  // seed, so leaving a page and coming back restores both. At most
  // MAX_KEPT variants are kept; the oldest goes first.

  var ANSWERS_KEY = "stride.answers.v1";
  var MAX_KEPT = 60;

  function loadKept() {
    try {
      var data = JSON.parse(window.localStorage.getItem(ANSWERS_KEY) || "{}");
      return data && typeof data === "object" ? data : {};
    } catch (e) {
      return {};
    }
  }

  function formValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !/^(a|self)\./.test(el.name)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        var list = values[el.name] || (values[el.name] = []);
        if (el.checked) list.push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function keepAnswers(exercise, seed, form, verdicts) {
    var data = loadKept();
    var key = exercise + "@" + seed;
    var old = data[key] || {};
    var merged = old.verdicts || {};
    Object.keys(verdicts).forEach(function (id) { merged[id] = verdicts[id]; });
    data[key] = { at: Date.now(), values: formValues(form), verdicts: merged };
    var keys = Object.keys(data);
    if (keys.length > MAX_KEPT) {
      keys.sort(function (a, b) { return (data[a].at || 0) - (data[b].at || 0); });
      keys.slice(0, keys.length - MAX_KEPT).forEach(function (k) { delete data[k]; });
    }
    try {
      window.localStorage.setItem(ANSWERS_KEY, JSON.stringify(data));
    } catch (e) {
      /* a convenience; never fail a check over it */
    }
  }

  // restoreAnswers fills a fresh page with the kept answers and verdicts.
  // A page the server rendered after a post shows that post instead.
  function restoreAnswers(form) {
    if (form.querySelector(".verdict-line")) return;
    var kept = loadKept()[form.getAttribute("data-exercise") + "@" + form.getAttribute("data-seed")];
    if (!kept || !kept.values) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in kept.values)) return;
      var v = kept.values[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = Array.isArray(v) && v.indexOf(el.value) >= 0;
      } else if (typeof v === "string") {
        el.value = v;
      }
    });
    var toks = [];
    Object.keys(kept.verdicts || {}).forEach(function (id) {
      renderVerdict(form, id, kept.verdicts[id]);
      if (kept.verdicts[id].unlock) toks.push(kept.verdicts[id].unlock);
    });
    // The replays these answers earned: the player reads the tokens when
    // it starts (after this script), or from the event once running.
    if (toks.length) {
      document.querySelectorAll("[data-player]").forEach(function (p) {
        var had = p.getAttribute("data-unlock");
        p.setAttribute("data-unlock", (had ? had + " " : "") + toks.join(" "));
      });
      document.dispatchEvent(new CustomEvent("stride:unlock", { detail: { ids: [], tokens: toks } }));
    }
  }

  function showHomeProgress() {
    var cards = document.querySelectorAll("[data-exercise-id]");
    if (!cards.length) return;
    var data = loadProgress();
    cards.forEach(function (card) {
      var id = card.getAttribute("data-exercise-id");
      var parts = (card.getAttribute("data-parts") || "").split(",").filter(Boolean);
      var ex = data[id] || {};
      var out = card.querySelector(".progress");
      if (!out) return;
      var own = (ex["0"] || []).filter(function (p) { return parts.indexOf(p) >= 0; }).length;
      var variants = Object.keys(ex).filter(function (s) { return s !== "0" && ex[s].length > 0; }).length;
      if (own === 0 && variants === 0) {
        out.textContent = "Not started yet.";
        return;
      }
      var text = "Recitation numbers: " + own + " of " + parts.length + " parts solved.";
      if (variants > 0) {
        text += " Practised " + variants + (variants === 1 ? " variant." : " variants.");
      }
      out.textContent = text;
      if (own === parts.length && parts.length > 0) card.classList.add("is-solved");
    });
  }

  // --- checking in place ----------------------------------------------------

  function collectAnswers(form) {
    var answers = {};
    var partial = {};
    var parts = [];
    form.querySelectorAll("[data-part]").forEach(function (el) {
      var id = el.getAttribute("data-part");
      parts.push(id);
      var kind = el.getAttribute("data-kind");
      var name = "a." + id;
      if (kind === "matrix") {
        var rows = {};
        var filled = 0, empty = 0;
        el.querySelectorAll("input[name^='" + name + ".']").forEach(function (input) {
          var rc = input.name.slice(name.length + 1).split(".");
          var v = input.value.trim();
          if (v === "") empty++; else filled++;
          (rows[rc[0]] = rows[rc[0]] || [])[Number(rc[1])] = v;
        });
        if (filled === 0 && empty === 0) {
          // No grid yet (its size would give an answer away): a text box.
          var box = el.querySelector("[name='" + name + "']");
          if (box && box.value.trim() !== "") answers[id] = box.value;
          return;
        }
        if (filled > 0 && empty > 0) {
          partial[id] = true;
        } else if (filled > 0) {
          answers[id] = Object.keys(rows).sort(function (a, b) { return a - b; })
            .map(function (r) { return rows[r].join(" "); }).join("; ");
        }
        return;
      }
      if (kind === "diagram") {
        // As the server reads the no-JS form: "block=shape; …", sent when
        // any position is filled, so the checker names an incomplete one.
        var slots = [];
        var any = false;
        el.querySelectorAll("select[name^='" + name + ".block.']").forEach(function (sel) {
          var i = sel.name.slice((name + ".block.").length);
          var shape = el.querySelector("[name='" + name + ".shape." + i + "']");
          var b = sel.value.trim(), sh = shape ? shape.value.trim() : "";
          if (b !== "" || sh !== "") any = true;
          slots[Number(i)] = b + "=" + sh;
        });
        if (any) answers[id] = slots.join("; ");
        return;
      }
      if (kind === "single-choice" || kind === "multiple-choice") {
        var picked = [];
        el.querySelectorAll("input[name='" + name + "']:checked").forEach(function (i) { picked.push(i.value); });
        if (picked.length) answers[id] = picked.join(",");
        return;
      }
      var field = form.querySelector("[name='" + name + "']");
      if (field && field.value.trim() !== "") answers[id] = field.value;
    });
    return { answers: answers, partial: partial, parts: parts };
  }

  var HEADLINES = {
    correct: "Correct",
    incorrect: "Not quite",
    invalid: "Could not read this answer",
    revealed: "Compare with the model answer",
  };

  function renderVerdict(form, id, v) {
    var box = document.getElementById("verdict-" + id);
    if (!box) return;
    box.className = "verdict verdict-" + (v.consistent ? "consistent" : v.status);
    box.textContent = "";
    var input = document.getElementById("answer-" + id);
    if (input) input.setAttribute("aria-invalid", v.status === "incorrect" || v.status === "invalid" ? "true" : "false");
    var part = form.querySelector("[data-part='" + id + "']");
    if (part) {
      part.querySelectorAll(".cell-input").forEach(function (c) { c.classList.remove("cell-wrong"); });
      (v.wrong_cells || []).forEach(function (rc) {
        var cell = document.getElementById("answer-" + id + "-" + rc[0] + "-" + rc[1]);
        if (cell) cell.classList.add("cell-wrong");
      });
    }
    if (v.status === "blank") return;
    var line = document.createElement("p");
    line.className = "verdict-line";
    var strong = document.createElement("strong");
    strong.className = "verdict-status";
    strong.textContent = v.consistent ? "Consistent with your earlier answer" : (HEADLINES[v.status] || v.status);
    line.appendChild(strong);
    if (v.read_as) {
      var read = document.createElement("span");
      read.className = "read-as";
      // read_as_html is rendered and escaped by the server's math renderer.
      read.innerHTML = " (" + (v.read_as_html || "") + ")";
      line.appendChild(read);
    }
    if (v.max > 0 && v.status !== "invalid") {
      var credit = document.createElement("span");
      credit.className = "credit";
      credit.textContent = " · " + v.score + " of " + v.max + " point";
      line.appendChild(credit);
    }
    box.appendChild(line);
    // A plain "Correct." would only repeat the headline.
    if (v.feedback_html && !(v.status === "correct" && v.feedback === "Correct.")) {
      var fb = document.createElement("p");
      fb.className = "feedback";
      // feedback_html is rendered and escaped by the server's math renderer.
      fb.innerHTML = v.feedback_html;
      box.appendChild(fb);
    }
    if (typeof v.show_cell_step === "number" && part && Number(part.getAttribute("data-animation")) >= 0) {
      var p = document.createElement("p");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary show-cell";
      b.textContent = "Show me this cell";
      b.setAttribute("data-show-cell", "");
      b.setAttribute("data-animation", part.getAttribute("data-animation"));
      b.setAttribute("data-step", String(v.show_cell_step));
      b.setAttribute("data-got", v.got);
      p.appendChild(b);
      box.appendChild(p);
    }
    var model = document.getElementById("model-" + id);
    if (model && v.status === "revealed") model.hidden = false;
    if (v.status === "correct") {
      document.querySelectorAll("#part-" + id + " details.solution, #help-" + id + " details.solution")
        .forEach(function (d) { d.open = true; });
    }
  }

  // showSolution puts an earned worked solution where its locked slot was.
  function showSolution(id, html, open) {
    var model = document.getElementById("model-body-" + id);
    if (model) {
      // A self-check part: its model answer and key points.
      // The html is rendered and escaped by the server.
      model.innerHTML = html;
      return;
    }
    var slot = document.getElementById("solution-" + id);
    if (!slot) return;
    slot.textContent = "";
    var d = document.createElement("details");
    d.className = "solution";
    d.open = open;
    var s = document.createElement("summary");
    s.textContent = "Worked solution";
    d.appendChild(s);
    var body = document.createElement("div");
    // solution_html is rendered and escaped by the server.
    body.innerHTML = html;
    d.appendChild(body);
    slot.appendChild(d);
  }

  function enhanceExerciseForm(form) {
    var url = form.getAttribute("data-check-url");
    var exercise = form.getAttribute("data-exercise");
    var seed = form.getAttribute("data-seed");
    var score = document.getElementById("score");
    // Parts whose solutions the student asked for; every later check sends
    // them again, so the reveal stays recorded.
    var revealed = [];
    form.querySelectorAll("input[name=revealed]").forEach(function (i) { revealed.push(i.value); });
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !url) return; // fall back to the plain post
      event.preventDefault();
      var sub = event.submitter;
      if (sub && sub.name === "reveal") {
        sub.value.split(",").forEach(function (id) { if (id && revealed.indexOf(id) < 0) revealed.push(id); });
      }
      var collected = collectAnswers(form);
      var button = form.querySelector("button[type='submit']");
      if (button) button.disabled = true;
      if (score) score.textContent = "Checking…";
      fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ seed: Number(seed), answers: collected.answers, parts: collected.parts, reveal: revealed }),
      }).then(function (resp) {
        return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
      }).then(function (r) {
        if (!r.ok) throw new Error(r.body && r.body.error ? r.body.error : "check failed");
        var solved = [];
        var opened = [];
        var unlockTokens = [];
        Object.keys(r.body.parts).forEach(function (id) {
          var v = r.body.parts[id];
          if (collected.partial[id]) {
            v = { status: "invalid", feedback_html: "Some cells are empty. Fill every cell of the grid (a 0 is a number too). It does not count as an attempt.", read_as: "" };
          }
          renderVerdict(form, id, v);
          if (v.solution_html) {
            showSolution(id, v.solution_html, v.status === "correct" || v.revealed);
            opened.push(id);
          }
          if (v.unlock) unlockTokens.push(v.unlock);
          if (v.status === "correct") solved.push(id);
          notifyParent({ type: "result", exercise: exercise, seed: Number(seed), part: id, status: v.status });
        });
        recordSolved(exercise, seed, solved);
        var statuses = {};
        Object.keys(r.body.parts).forEach(function (id) {
          if (!collected.partial[id]) statuses[id] = r.body.parts[id].status;
        });
        recordPractice(exercise, seed, statuses);
        var shown = {};
        Object.keys(r.body.parts).forEach(function (id) {
          shown[id] = collected.partial[id] ? null : r.body.parts[id];
        });
        Object.keys(shown).forEach(function (id) { if (!shown[id]) delete shown[id]; });
        keepAnswers(exercise, seed, form, shown);
        // Replays that would have shown these answers may open now.
        if (opened.length || unlockTokens.length) {
          document.dispatchEvent(new CustomEvent("stride:unlock", { detail: { ids: opened, tokens: unlockTokens } }));
        }
        if (score) score.textContent = r.body.score_text;
        announceResize();
      }).catch(function () {
        // The JSON path failed (offline, proxy): post the form instead.
        form.submit();
      }).finally(function () {
        if (button) button.disabled = false;
      });
    });
  }

  // An assignment's form records, with each check, the time since the page
  // was shown and how many hints of each part are open.
  function enhanceLearnForm(form) {
    var shownAt = Date.now();
    form.addEventListener("submit", function () {
      var shown = form.querySelector("[data-learn-shown]");
      if (shown) shown.value = String(Math.max(0, Math.min(Date.now() - shownAt, 604800000)));
      document.querySelectorAll("[data-part]").forEach(function (el) {
        var id = el.getAttribute("data-part");
        var help = document.getElementById("help-" + id) || el;
        var n = help.querySelectorAll("details.hint[open]").length;
        var name = "hints." + id;
        var input = form.querySelector("input[name='" + name + "']");
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          form.appendChild(input);
        }
        input.value = String(n);
      });
    });
  }

  // After a plain (no-fetch) post, the server rendered the verdicts; record
  // the solved parts from them too.
  function recordRenderedVerdicts(form) {
    var solved = [];
    form.querySelectorAll(".verdict-correct").forEach(function (v) {
      solved.push(v.id.replace(/^verdict-/, ""));
    });
    recordSolved(form.getAttribute("data-exercise"), form.getAttribute("data-seed"), solved);
    var statuses = {};
    ["correct", "incorrect", "revealed"].forEach(function (status) {
      form.querySelectorAll(".verdict-" + status).forEach(function (v) {
        statuses[v.id.replace(/^verdict-/, "")] = status;
      });
    });
    recordPractice(form.getAttribute("data-exercise"), form.getAttribute("data-seed"), statuses);
  }

  // --- practice levels ----------------------------------------------------------
  // The practice record lives in this browser: the state the server last
  // answered and the checks made since. The server computes the levels
  // (POST /api/v1/practice) and keeps nothing.

  var PRACTICE_KEY = "stride.practice.v1";
  var MAX_PENDING = 16;

  function loadPractice() {
    try {
      var data = JSON.parse(window.localStorage.getItem(PRACTICE_KEY) || "{}");
      if (!data || typeof data !== "object") data = {};
      if (!Array.isArray(data.pending)) data.pending = [];
      return data;
    } catch (e) {
      return { pending: [] };
    }
  }

  function savePractice(data) {
    try {
      window.localStorage.setItem(PRACTICE_KEY, JSON.stringify(data));
    } catch (e) {
      /* practice is a convenience; never fail a check over it */
    }
  }

  // recordPractice queues one check's outcomes and sends them.
  function recordPractice(exercise, seed, statuses) {
    if (!Object.keys(statuses).length) return;
    var data = loadPractice();
    data.pending.push({ exercise: exercise, seed: Number(seed), parts: statuses });
    if (data.pending.length > MAX_PENDING) data.pending = data.pending.slice(-MAX_PENDING);
    savePractice(data);
    syncPractice();
  }

  var syncing = false, syncAgain = false;
  // syncPractice posts the kept state and the queued checks and keeps the
  // answer; one request at a time, so no check is applied twice.
  function syncPractice(retried) {
    if (!window.fetch) return;
    if (syncing) { syncAgain = true; return; }
    syncing = true;
    var data = loadPractice();
    var sent = data.pending.length;
    fetch((document.body.getAttribute("data-base") || "") + "/api/v1/practice", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ state: data.state || null, checks: data.pending }),
    }).then(function (resp) {
      return resp.json().then(function (body) { return { status: resp.status, body: body }; });
    }).then(function (r) {
      var now = loadPractice();
      if (r.status === 200) {
        now.state = r.body.state;
        now.pending = now.pending.slice(sent);
        savePractice(now);
        showPractice(r.body);
      } else if (r.status === 400 && r.body && !retried) {
        // A kept state or check this server cannot read (an older
        // version): drop that part and carry on with the rest.
        if (String(r.body.field || "").indexOf("state") === 0) now.state = null;
        else now.pending = now.pending.slice(sent);
        savePractice(now);
        syncAgain = true;
      }
    }).catch(function () {
      /* offline: the checks stay queued for the next time */
    }).finally(function () {
      syncing = false;
      if (syncAgain) { syncAgain = false; syncPractice(true); }
    });
  }

  // showPractice fills the practice page in from the server's answer.
  function showPractice(body) {
    var list = document.querySelector(".practice-skills");
    if (!list) return;
    (body.skills || []).forEach(function (sk) {
      var li = list.querySelector("[data-skill='" + sk.id + "']");
      if (!li) return;
      li.setAttribute("data-level", String(sk.level));
      var text = sk.level_name.charAt(0).toUpperCase() + sk.level_name.slice(1);
      if (sk.review_due) text += " · review due now";
      else if (sk.due) text += " · next review " + new Date(sk.due).toLocaleDateString();
      li.querySelector(".practice-level").textContent = text;
    });
    var link = document.getElementById("practice-next-link");
    if (link && body.next) {
      link.href = body.next.url;
      document.getElementById("practice-next-reason").textContent = body.next.reason;
    }
  }

  function startPractice() {
    var next = document.getElementById("practice-next");
    if (!next || !window.fetch) return;
    next.hidden = false;
    var note = document.getElementById("practice-nojs");
    if (note) note.hidden = true;
    syncPractice();
  }

  // --- embedding --------------------------------------------------------------

  var embedded = window.parent && window.parent !== window;

  function notifyParent(msg) {
    if (!embedded) return;
    msg.source = "stride";
    window.parent.postMessage(msg, "*");
  }

  var lastHeight = 0;
  function announceResize() {
    if (!embedded) return;
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (h !== lastHeight) {
      lastHeight = h;
      notifyParent({ type: "resize", height: h });
    }
  }

  // --- start -------------------------------------------------------------------

  function start() {
    document.documentElement.classList.add("js");
    showHomeProgress();
    startPractice();
    document.querySelectorAll("form.exercise-form").forEach(function (form) {
      if (form.hasAttribute("data-learn")) {
        // Inside an assignment the server keeps the answers (and posts
        // the form); this browser's practice record stays out of it.
        enhanceLearnForm(form);
        return;
      }
      recordRenderedVerdicts(form);
      restoreAnswers(form);
      enhanceExerciseForm(form);
    });
    // A live session's page swaps in the form of the class's new state
    // (live.js): enhance it like the page's own.
    document.addEventListener("stride:content", function (ev) {
      ev.target.querySelectorAll("form.exercise-form[data-learn]").forEach(enhanceLearnForm);
    });
    // A live session's page shows the solutions the instructor revealed
    // in place (live.js reads them; detail {parts: {id: html}, open}),
    // where an earned one goes; detail.shown counts those put in.
    document.addEventListener("stride:solutions", function (ev) {
      var d = ev.detail || {};
      Object.keys(d.parts || {}).forEach(function (id) {
        if (!document.getElementById("solution-" + id) && !document.getElementById("model-body-" + id)) return;
        showSolution(id, d.parts[id], !!d.open);
        d.shown = (d.shown || 0) + 1;
      });
      announceResize();
    });
    // "Watch it step by step" links pick their animation in the player.
    document.addEventListener("click", function (ev) {
      var a = ev.target.closest && ev.target.closest("[data-watch]");
      if (!a) return;
      var which = document.querySelector("#player-main [data-role=which]");
      if (which && which.value !== a.getAttribute("data-watch")) {
        which.value = a.getAttribute("data-watch");
        which.dispatchEvent(new Event("change"));
      }
    });
    document.querySelectorAll("input[readonly], textarea[readonly]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
    if (embedded) {
      if (window.ResizeObserver) new ResizeObserver(announceResize).observe(document.body);
      document.addEventListener("toggle", announceResize, true);
      announceResize();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Playground editors: resize, random fill and paste-friendly textareas,
// and fields shown only for the chosen operation.
(function () {
  "use strict";

  function parseBlock(text) {
    return text.split(/\n/).map(function (l) { return l.trim(); }).filter(Boolean)
      .map(function (l) { return l.split(/[\s,;]+/).filter(Boolean); });
  }

  // splitBlocks splits text at separator lines and drops empty blocks, as
  // the server's splitBlocks does (web/playground.go).
  function splitBlocks(text, isSep) {
    var blocks = [], cur = [];
    function flush() {
      var b = cur.join("\n").trim();
      if (b) blocks.push(b);
      cur = [];
    }
    text.replace(/\r\n/g, "\n").split("\n").forEach(function (line) {
      if (isSep(line)) flush(); else cur.push(line);
    });
    flush();
    return blocks;
  }
  function isBlankLine(l) { return l.trim() === ""; }
  // A line of "---" (dashes and spaces only) separates filters.
  function isFilterLine(l) { return l.indexOf("---") >= 0 && l.replace(/[\s-]/g, "") === ""; }

  // A tensor is a list of filters, each a list of channels of rows of
  // cells. An input is one "filter"; a kernel may hold several, written
  // with a line "---" between them.
  function parseTensor(text, kernel) {
    var filters = kernel ? splitBlocks(text, isFilterLine) : [text];
    return filters.map(function (f) { return splitBlocks(f, isBlankLine).map(parseBlock); })
      .filter(function (f) { return f.length > 0; });
  }

  function formatTensor(t) {
    return t.map(function (f) {
      return f.map(function (ch) { return ch.map(function (r) { return r.join(" "); }).join("\n"); }).join("\n\n");
    }).join("\n---\n");
  }

  function dims(textarea, kernel) {
    var t = parseTensor(textarea.value, kernel);
    var first = t.length ? t[0] : [];
    var rows = first.length ? first[0] : [];
    return {
      o: Math.max(1, t.length),
      c: Math.max(1, first.length),
      h: Math.max(1, rows.length),
      w: Math.max(1, rows[0] ? rows[0].length : 1),
    };
  }

  // build makes an o×c×h×w tensor: zeros keeping the old values where they
  // fit (lo === null), or random whole numbers from lo to hi.
  function build(d, lo, hi, old) {
    var out = [];
    for (var f = 0; f < d.o; f++) {
      var filter = [];
      for (var k = 0; k < d.c; k++) {
        var rows = [];
        for (var i = 0; i < d.h; i++) {
          var row = [];
          for (var j = 0; j < d.w; j++) {
            var keep = old[f] && old[f][k] && old[f][k][i] && old[f][k][i][j];
            row.push(keep !== undefined && lo === null ? keep : String(lo === null ? 0 : lo + Math.floor(Math.random() * (hi - lo + 1))));
          }
          rows.push(row);
        }
        filter.push(rows);
      }
      out.push(filter);
    }
    return out;
  }

  function enhanceEditor(box) {
    var textarea = box.querySelector("textarea");
    if (!textarea) return;
    var kernel = box.getAttribute("data-editor") === "kernel";
    var d = dims(textarea, kernel);
    var id = textarea.id;
    var what = kernel ? "Filter" : "Input";

    // The grid of cells: edits write back to the textarea, which stays the
    // form's source of truth and the place to paste a whole matrix.
    var gridBox = document.createElement("div");
    gridBox.className = "grid-editor";
    textarea.parentNode.insertBefore(gridBox, textarea);
    var pasteNote = document.createElement("p");
    pasteNote.className = "format";
    pasteNote.textContent = "Or edit it as text below (paste a matrix here):";
    textarea.parentNode.insertBefore(pasteNote, textarea);

    function writeBack() {
      var t = [];
      gridBox.querySelectorAll("table").forEach(function (table) {
        var f = Number(table.getAttribute("data-filter"));
        var rows = [];
        table.querySelectorAll("tr").forEach(function (tr) {
          var cells = [];
          tr.querySelectorAll("input").forEach(function (inp) { cells.push(inp.value.trim() || "0"); });
          rows.push(cells);
        });
        (t[f] = t[f] || []).push(rows);
      });
      textarea.value = formatTensor(t);
    }
    function render() {
      gridBox.textContent = "";
      var t = parseTensor(textarea.value, kernel);
      var tables = t.reduce(function (n, f) { return n + f.length; }, 0);
      if (tables > 16 || t.some(function (f) {
        return f.some(function (b) { return b.length > 32 || b.some(function (r) { return r.length > 32; }); });
      })) {
        return; // too large to show as cells; the textarea still works
      }
      t.forEach(function (channels, f) {
        channels.forEach(function (rows, k) {
          var name = what;
          if (t.length > 1) name += " " + (f + 1);
          if (channels.length > 1) name += ", channel " + (k + 1);
          var table = document.createElement("table");
          table.className = "grid grid-input";
          table.setAttribute("data-filter", String(f));
          var cap = document.createElement("caption");
          cap.textContent = name;
          table.appendChild(cap);
          var body = document.createElement("tbody");
          rows.forEach(function (row, i) {
            var tr = document.createElement("tr");
            row.forEach(function (v, j) {
              var td = document.createElement("td");
              var inp = document.createElement("input");
              inp.type = "text";
              inp.inputMode = "decimal";
              inp.className = "cell-input";
              inp.value = v;
              inp.setAttribute("aria-label", name + ", row " + (i + 1) + ", column " + (j + 1));
              inp.addEventListener("input", writeBack);
              td.appendChild(inp);
              tr.appendChild(td);
            });
            body.appendChild(tr);
          });
          table.appendChild(body);
          gridBox.appendChild(table);
        });
      });
    }
    textarea.addEventListener("input", render);

    var tools = document.createElement("div");
    tools.className = "editor-tools";
    function num(label, key, value) {
      var wrap = document.createElement("label");
      wrap.textContent = label + " ";
      var input = document.createElement("input");
      input.type = "number";
      input.min = "1";
      input.max = "32";
      input.value = String(value);
      input.setAttribute("data-dim", key);
      input.id = id + "-" + key;
      wrap.appendChild(input);
      tools.appendChild(wrap);
      return input;
    }
    // A kernel's size is filters × channels × rows × columns: counting
    // its "---"-separated filters as channels once read 2 filters of 3
    // channels as "Channels 5".
    var o = kernel ? num("Filters", "o", d.o) : null;
    var c = num("Channels", "c", d.c), h = num("Rows", "h", d.h), w = num("Columns", "w", d.w);
    function button(text, handler) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = text;
      b.addEventListener("click", function () { handler(); render(); });
      tools.appendChild(b);
    }
    function size(input) { return input ? Math.min(32, Math.max(1, Number(input.value) || 1)) : 1; }
    function wanted() { return { o: size(o), c: size(c), h: size(h), w: size(w) }; }
    button("Resize", function () { textarea.value = formatTensor(build(wanted(), null, null, parseTensor(textarea.value, kernel))); });
    button("Random fill", function () { textarea.value = formatTensor(build(wanted(), -5, 9, [])); });
    gridBox.parentNode.insertBefore(tools, gridBox.nextSibling);
    render();
  }

  function start() {
    var form = document.querySelector("[data-playground]");
    if (!form) return;
    form.querySelectorAll("[data-editor]").forEach(enhanceEditor);
    var op = form.querySelector("select[name=op]");
    function sync() {
      var conv = op.value === "conv2d";
      form.querySelectorAll(".conv-only").forEach(function (e) { e.hidden = !conv; });
      form.querySelectorAll(".pool-only").forEach(function (e) { e.hidden = conv; });
    }
    op.addEventListener("change", sync);
    sync();
    keepResultInView();
  }

  // After "Show it step by step" the address ends in #playground-result, a
  // focusable region: the browser scrolls there and focuses it, and so does
  // this without JavaScript. With it, the page keeps changing size after
  // that scroll: the grid editors above the result, the player switching
  // from its step tables to the live stage and building its grids when the
  // animation's first message arrives, each at a time of its own. Scroll
  // anchoring and Chromium's own fragment scrolls then leave the result
  // hundreds of pixels away from the top. So after every change of the
  // page's size, until the student scrolls, clicks or types, put the result
  // back at the top: a ResizeObserver runs after layout and before paint,
  // so the student never sees the result elsewhere. The scroll is instant,
  // never animated (prefers-reduced-motion, and a moving target).
  function keepResultInView() {
    var target = document.getElementById("playground-result");
    if (!target || window.location.hash !== "#playground-result") return;
    var observer = null;
    var done = false;
    function align() {
      if (done) return;
      target.scrollIntoView({ block: "start", behavior: "instant" });
      if (document.activeElement !== target) target.focus({ preventScroll: true });
    }
    function stop() {
      done = true;
      if (observer) observer.disconnect();
      ["wheel", "touchstart", "pointerdown", "keydown"].forEach(function (type) {
        window.removeEventListener(type, stop, true);
      });
    }
    ["wheel", "touchstart", "pointerdown", "keydown"].forEach(function (type) {
      window.addEventListener(type, stop, { capture: true, passive: true });
    });
    align();
    if (window.ResizeObserver) {
      observer = new ResizeObserver(align);
      observer.observe(document.documentElement);
      observer.observe(target);
    }
    // Chromium scrolls to the fragment once more when loading completes.
    window.addEventListener("load", function () { window.requestAnimationFrame(align); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Printed worksheets (print.templ): the toolbar's Print button exists only
// with JavaScript; without it, the browser's own Print command does the same.
(function () {
  "use strict";
  function start() {
    var buttons = document.querySelectorAll("button[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
