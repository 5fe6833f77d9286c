// live_answer.js checks a live session's answer without reloading the page
// (docs/LIVE.md, "Answers"): it posts the page's own form to
// /live/{code}/answer and shows the verdicts the JSON response carries.
// Without it (no JavaScript, or the request fails) the form posts to
// /live/{code} and the server renders the page again, as it always did.
// It listens on the document, so a form live.js swaps in (the page follows
// the class in place) is checked the same way.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch || !window.URLSearchParams || !window.FormData) {
    return;
  }
  var HEADLINES = {
    correct: "Correct",
    incorrect: "Not quite",
    invalid: "Could not read this answer",
    refused: "Not recorded",
    recorded: "Recorded",
  };

  // answerURL is the form's action with /answer added to the path (its
  // query, ?q= and an LTI launch token, is kept).
  function answerURL(form) {
    var u = new URL(form.getAttribute("action"), location.href);
    u.pathname = u.pathname.replace(/\/$/, "") + "/answer";
    return u.toString();
  }

  function say(text) {
    var score = document.getElementById("score");
    if (score) score.textContent = text;
  }

  function renderVerdict(id, v) {
    var box = document.getElementById("verdict-" + id);
    if (!box) return;
    box.className = "verdict verdict-" + (v.consistent ? "consistent" : v.status);
    box.textContent = "";
    var input = document.getElementById("answer-" + id);
    if (input) input.setAttribute("aria-invalid", v.status === "incorrect" || v.status === "invalid" ? "true" : "false");
    if (v.status === "blank") return;
    var line = document.createElement("p");
    line.className = "verdict-line";
    var strong = document.createElement("strong");
    strong.className = "verdict-status";
    strong.textContent = v.consistent ? "Consistent with your earlier answer" : (HEADLINES[v.status] || v.status);
    line.appendChild(strong);
    box.appendChild(line);
    if (v.feedback_html && !(v.status === "correct" && v.feedback === "Correct.")) {
      var fb = document.createElement("p");
      fb.className = "feedback";
      // feedback_html is rendered and escaped by the server.
      fb.innerHTML = v.feedback_html;
      box.appendChild(fb);
    }
  }

  // markSaved makes what the form held the defaults of the fields of the
  // parts the server recorded: a page rendered later shows those answers
  // (live.js keeps only what is typed after, when the page follows the
  // class).
  var SAVED = { correct: true, incorrect: true, recorded: true };
  function markSaved(form, values, parts) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !values.has(el.name) || el.type === "hidden" || el.type === "submit") return;
      var part = el.name.split(".")[1];
      var v = parts[part];
      if (el.name.indexOf("a.") !== 0 || !v || !(SAVED[v.status] || v.consistent)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.defaultChecked = values.getAll(el.name).indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.defaultSelected = o.value === values.get(el.name); });
      } else {
        el.defaultValue = values.get(el.name);
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("#live form.exercise-form") || event.defaultPrevented) return;
    var sub = event.submitter;
    if (sub && sub.name === "reveal") return; // (no reveal during a session)
    event.preventDefault();
    var button = form.querySelector("button[type='submit']");
    var sent = null;
    // Let the other submit listeners (app.js fills hints and the time
    // shown) run first, then post what the form holds.
    Promise.resolve().then(function () {
      if (button) button.disabled = true;
      say("Checking…");
      sent = new URLSearchParams(new FormData(form));
      return fetch(answerURL(form), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        body: sent,
      });
    }).then(function (resp) {
      return resp.json().then(function (body) { return { status: resp.status, body: body }; });
    }).then(function (r) {
      if (r.status >= 500 || !r.body) throw new Error("server");
      if (!r.body.parts) {
        // Refused (paused, closed, ended, …): say why; the socket brings
        // the new state and the page follows it.
        say(r.body.error || "The answer was not recorded.");
        return;
      }
      Object.keys(r.body.parts).forEach(function (id) { renderVerdict(id, r.body.parts[id]); });
      var key = form.querySelector("input[name='attempt_key']");
      if (key && r.body.next_key) key.value = r.body.next_key;
      markSaved(form, sent, r.body.parts);
      say(r.body.score_text || "");
    }).catch(function () {
      // The JSON path failed (offline, proxy): post the form instead.
      if (form.isConnected) form.submit();
    }).finally(function () {
      if (button) button.disabled = false;
    });
  });
})();
