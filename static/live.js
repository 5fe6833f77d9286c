// live.js follows a live session over its websocket (docs/LIVE.md). The
// pages work without it: students follow the Refresh link, instructors'
// forms post. A student's page follows the class in place: a pause, a
// resume, closing, opening and hiding the answer change the page here with
// no request; the reveal reads the solutions alone; for another question
// or a form the page has not got (and whenever anything fails) it fetches
// the page the server renders for the new state and swaps it in. Either
// way what the student typed, the focus and the scroll position are kept,
// and the status line (aria-live) says what changed. The instructor's and
// the projector's pages reload (nothing typed there).
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !root.dataset.liveSocket || !window.WebSocket) {
    return;
  }
  var role = root.dataset.liveRole;
  var version = Number(root.dataset.liveVersion || "0");
  // shown is the version this page was rendered with; leaving is set while
  // one of the page's own forms (an instructor's control) is on its way:
  // its answer redirects to this page with the new state, so the state
  // message the same action fans out must not reload the page as well (a
  // second load of the page, and a click on the first one lost).
  var shown = version;
  var leaving = null;
  var delay = 500;
  var socket = null;
  // The instructor's player drives the class (data-live-drive); students'
  // and the projector's players follow it (data-live-follow).
  var drives = root.hasAttribute("data-live-drive");
  var follows = root.hasAttribute("data-live-follow"); // (again after a swap)
  var following = true;
  var lastPos = null;
  var restored = false;
  // What the projector hides (data-live-hide) and where the names are
  // read again when the counts change (data-live-names; live_names.go).
  var hidden = (root.dataset.liveHide || "").split(" ");
  var namesURL = root.dataset.liveNames || "";
  // Students' pages: rendered is the state version the page shows, latest
  // the newest a message carried (with its state).
  var rendered = version;
  var latest = version;
  var latestState = null;

  function hides(what) {
    return hidden.indexOf(what) >= 0;
  }

  function player() {
    return window.StridePlayers && window.StridePlayers[0];
  }

  // --- following (students, projector) -------------------------------------
  var followBox = null;

  function renderFollow() {
    if (!followBox) return;
    followBox.status.textContent = following
      ? "Following the instructor's player."
      : "Watching on your own: the instructor's moves do not move your player.";
    followBox.button.textContent = following ? "Watch on my own" : "Follow the instructor";
  }

  function setupFollow() {
    var p = player();
    if (!follows || !p || role !== "student") return;
    var box = document.createElement("div");
    box.className = "live-follow";
    var status = document.createElement("p");
    status.id = "live-follow-status";
    status.setAttribute("role", "status");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.id = "live-follow-toggle";
    box.appendChild(status);
    box.appendChild(button);
    p.root.parentNode.insertBefore(box, p.root);
    followBox = { status: status, button: button };
    button.addEventListener("click", function () {
      following = !following;
      renderFollow();
      if (following && lastPos) p.follow(lastPos);
    });
    // The student used their own player's controls: stop following.
    p.root.addEventListener("stride:player-input", function () {
      if (following) {
        following = false;
        renderFollow();
      }
    });
    renderFollow();
  }

  function onPlayer(pos) {
    lastPos = pos;
    var p = player();
    if (!p) return;
    if (follows && following) {
      p.follow(pos);
    } else if (drives && !restored) {
      // The instructor reloaded: their player starts where the class is.
      p.follow(pos);
    }
    restored = true;
  }

  // --- driving (the instructor) --------------------------------------------
  // The player announces every confirmed change; a scrub announces one
  // per frame. At most one drive goes out per DRIVE_GAP ms, always the
  // latest position (the server coalesces again, docs/LIVE.md).
  var DRIVE_GAP = 100;
  var driveTimer = 0;
  var driveWanted = null;
  var driveLast = 0;

  function sendDrive() {
    driveTimer = 0;
    if (!driveWanted || !socket || socket.readyState !== 1) return;
    var d = driveWanted;
    driveWanted = null;
    driveLast = Date.now();
    socket.send(JSON.stringify({ type: "drive", part: d.part, index: d.index, playing: d.playing, fps: d.fps }));
  }

  function setupDrive() {
    var p = player();
    if (!drives || !p) return;
    // Once the instructor uses their player, a position the hub sends is
    // the echo of their own drive, perhaps of an older one: never jump
    // back to it (only a reloaded page starts where the class is).
    p.root.addEventListener("stride:player-input", function () {
      restored = true;
    });
    p.root.addEventListener("stride:player-state", function (ev) {
      driveWanted = ev.detail;
      if (driveTimer) return;
      var wait = Math.max(0, DRIVE_GAP - (Date.now() - driveLast));
      driveTimer = window.setTimeout(sendDrive, wait);
    });
  }

  function showDriveError(text) {
    var note = document.getElementById("live-drive-note");
    if (note) note.textContent = text;
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) {
      el.textContent = String(text);
    }
  }

  // barName says a histogram key in words, as templates/live.templ's
  // liveBarName does: "conv.flipped-kernel" is "Flipped kernel".
  function barName(key) {
    if (key === "correct") return "Correct";
    if (key === "other") return "Other wrong answers";
    var k = key.slice(key.lastIndexOf(".") + 1).replace(/-/g, " ");
    return k ? k.charAt(0).toUpperCase() + k.slice(1) : "Other wrong answers";
  }

  function renderCounts(c) {
    setText("live-joined", c.joined);
    setText("live-answered", c.answered);
    setText("live-correct", c.correct);
    var box = document.getElementById("live-parts");
    if (!box) {
      return;
    }
    box.textContent = "";
    c.parts.forEach(function (p) {
      var sec = document.createElement("section");
      sec.className = "live-part";
      sec.setAttribute("aria-label", "Part " + p.part);
      var h = document.createElement("h2");
      h.textContent = "Part " + p.part + ": " + p.answered + " answered, " + p.correct + " correct";
      sec.appendChild(h);
      var ul = document.createElement("ul");
      ul.className = "live-histogram";
      (hides("histogram") ? [] : p.histogram).forEach(function (b) {
        var li = document.createElement("li");
        if (b.key === "correct") {
          li.className = "live-bar-correct";
        }
        var label = document.createElement("span");
        label.className = "live-bar-what";
        var name = document.createElement("span");
        name.className = "live-bar-name";
        name.textContent = barName(b.key);
        var code = document.createElement("code");
        code.className = "live-bar-label";
        code.textContent = b.key;
        label.appendChild(name);
        label.appendChild(document.createTextNode(" "));
        label.appendChild(code);
        var m = document.createElement("meter");
        m.className = "live-bar";
        m.min = 0;
        m.max = p.answered;
        m.value = b.count;
        m.textContent = String(b.count);
        var n = document.createElement("span");
        n.className = "live-bar-count";
        n.textContent = String(b.count);
        li.appendChild(label);
        li.appendChild(m);
        li.appendChild(n);
        ul.appendChild(li);
      });
      if (!hides("histogram")) sec.appendChild(ul);
      if (p.wrong.length > 0 && !hides("wrong")) {
        var h3 = document.createElement("h3");
        h3.textContent = "Most common wrong answers";
        sec.appendChild(h3);
        var ol = document.createElement("ol");
        ol.className = "live-wrong";
        p.wrong.forEach(function (w) {
          var li = document.createElement("li");
          var code = document.createElement("code");
          code.textContent = w.answer;
          li.appendChild(code);
          li.appendChild(document.createTextNode(" × " + w.count));
          ol.appendChild(li);
        });
        sec.appendChild(ol);
      }
      box.appendChild(sec);
    });
  }

  // --- names (who has answered) --------------------------------------------
  // Read again after the counts change, at most once per NAMES_GAP ms and
  // one request at a time.
  var NAMES_GAP = 2000;
  var namesTimer = 0;
  var namesLast = 0;
  var namesBusy = false;
  var namesAgain = false;

  function rosterText(names, more) {
    if (names.length === 0) return "nobody";
    return names.join(", ") + (more > 0 ? " and " + more + " more" : "");
  }

  function renderRoster(d) {
    setText("live-roster-answered", rosterText(d.answered, d.more_answered));
    setText("live-roster-answered-n", d.answered.length + d.more_answered);
    setText("live-roster-waiting", rosterText(d.waiting, d.more_waiting));
    setText("live-roster-waiting-n", d.waiting.length + d.more_waiting);
  }

  function fetchNames() {
    namesTimer = 0;
    if (namesBusy) {
      namesAgain = true;
      return;
    }
    namesBusy = true;
    namesLast = Date.now();
    fetch(namesURL, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (d) {
        if (d && d.answered && d.waiting) renderRoster(d);
      })
      .catch(function () {})
      .then(function () {
        namesBusy = false;
        if (namesAgain) {
          namesAgain = false;
          scheduleNames();
        }
      });
  }

  function scheduleNames() {
    if (!namesURL || namesTimer || !window.fetch) return;
    namesTimer = window.setTimeout(fetchNames, Math.max(0, NAMES_GAP - (Date.now() - namesLast)));
  }

  // --- students: follow the class in place -----------------------------------
  // A state newer than the page's makes the page fetch itself again (a GET:
  // where the class is, or this question again) and swap the new content
  // in. One fetch at a time; a state that arrives meanwhile is fetched
  // after it. The version the fetched page carries is what the page then
  // shows, so a socket that reconnects (its first message is the whole
  // state) resyncs by comparing versions, whatever it missed while away.
  var syncing = false;
  var syncFails = 0;
  var SYNC_RETRY = 500;
  var TYPED_KEY = "stride.live.typed." + (root.dataset.liveCode || "");
  // typed holds what the student typed and has not had checked, by
  // question and field: {v: value, b: the field's value as the server
  // rendered it when they typed}. It survives the form leaving the page
  // (a pause, another question) and, in sessionStorage, a reload.
  var typed = loadTyped();

  function loadTyped() {
    try {
      var t = JSON.parse(window.sessionStorage.getItem(TYPED_KEY) || "{}");
      return t && typeof t === "object" ? t : {};
    } catch (e) {
      return {};
    }
  }

  function saveTyped() {
    try {
      window.sessionStorage.setItem(TYPED_KEY, JSON.stringify(typed));
    } catch (e) {
      /* a convenience: the in-memory copy still serves swaps */
    }
  }

  function answerFields(scope) {
    var out = [];
    scope.querySelectorAll("form.exercise-form").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "attempt_key" || el.disabled) return;
        if (el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "reset") return;
        out.push(el);
      });
    });
    return out;
  }

  function fieldKey(el) {
    var k = root.dataset.liveQuestion + "|" + el.name;
    return el.type === "checkbox" || el.type === "radio" ? k + "|" + el.value : k;
  }

  function defaultOf(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.defaultChecked ? "1" : "";
    if (el.tagName === "SELECT") {
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].defaultSelected) return el.options[i].value;
      }
      return el.options.length ? el.options[0].value : "";
    }
    return el.defaultValue;
  }

  function valueOf(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked ? "1" : "";
    return el.value;
  }

  // keep records one field's typed value (or forgets it once it is what
  // the server has).
  function keep(el) {
    var k = fieldKey(el);
    var v = valueOf(el), b = defaultOf(el);
    if (v !== b) {
      typed[k] = { v: v, b: b };
    } else {
      delete typed[k];
    }
  }

  function keepAll() {
    answerFields(root).forEach(keep);
    saveTyped();
  }

  // restoreTyped puts typed values back into the fields the server
  // rendered as they were when the student typed (a field the server now
  // fills otherwise, after a check, keeps the server's value).
  function restoreTyped() {
    answerFields(root).forEach(function (el) {
      var t = typed[fieldKey(el)];
      if (!t) return;
      if (defaultOf(el) !== t.b) {
        delete typed[fieldKey(el)];
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = t.v === "1";
      } else {
        el.value = t.v;
      }
    });
    saveTyped();
  }

  function focusOf() {
    var el = document.activeElement;
    if (!el || el === document.body || !root.contains(el)) return null;
    var f = { id: el.id, name: el.name || "", value: el.value || "" };
    try {
      f.start = el.selectionStart;
      f.end = el.selectionEnd;
    } catch (e) {
      /* no selection on this kind of field */
    }
    return f;
  }

  // pendingFocus is a focused field the last swap took away (a pause):
  // it gets the focus back when it returns, unless the student moved on.
  var pendingFocus = null;

  function refocus(f) {
    pendingFocus = null;
    if (!f) return;
    var el = f.id ? document.getElementById(f.id) : null;
    if (!el && f.name) {
      el = Array.prototype.filter.call(root.querySelectorAll("[name]"), function (x) {
        return x.name === f.name && (x.value || "") === f.value;
      })[0];
    }
    if (!el || !root.contains(el)) {
      pendingFocus = f;
      return;
    }
    el.focus({ preventScroll: true });
    if (typeof f.start === "number" && el.setSelectionRange && el.value.length >= f.end) {
      try {
        el.setSelectionRange(f.start, f.end);
      } catch (e) {
        /* not a text field */
      }
    }
  }

  // swap replaces the page's content by next's (the #live element of the
  // page just fetched). The status line stays the same element, so its
  // polite live region announces the new text.
  // pendingScroll is the position a swap could not keep (the page became
  // shorter, a pause): the next swap goes back to it, unless the student
  // scrolled since.
  var pendingScroll = null;

  function swap(next, url) {
    var x = window.scrollX, y = window.scrollY;
    if (pendingScroll && pendingScroll.at === y) {
      x = pendingScroll.x;
      y = pendingScroll.y;
    }
    var f = focusOf() || pendingFocus;
    keepAll();
    var status = document.getElementById("live-status");
    var newStatus = next.querySelector("#live-status");
    Array.prototype.slice.call(root.attributes).forEach(function (a) {
      if (a.name !== "id" && !next.hasAttribute(a.name)) root.removeAttribute(a.name);
    });
    Array.prototype.forEach.call(next.attributes, function (a) {
      root.setAttribute(a.name, a.value);
    });
    Array.prototype.slice.call(root.childNodes).forEach(function (n) {
      if (n !== status) root.removeChild(n);
    });
    var before = true;
    Array.prototype.slice.call(next.childNodes).forEach(function (n) {
      if (status && n === newStatus) {
        before = false;
        return;
      }
      var copy = document.importNode(n, true);
      if (status && before && status.parentNode === root) {
        root.insertBefore(copy, status);
      } else {
        root.appendChild(copy);
      }
    });
    if (!status && newStatus) root.appendChild(document.importNode(newStatus, true));
    restoreTyped();
    // app.js and player.js enhance what is new (the form, the player).
    root.dispatchEvent(new CustomEvent("stride:content", { bubbles: true }));
    if (status && newStatus && status.textContent !== newStatus.textContent) {
      status.textContent = newStatus.textContent;
    }
    if (window.history && history.replaceState && next.dataset.liveRefresh) {
      history.replaceState(history.state, "", next.dataset.liveRefresh);
    }
    refocus(f);
    window.scrollTo(x, y);
    pendingScroll = window.scrollY !== y ? { x: x, y: y, at: window.scrollY } : null;
    var followed = follows;
    follows = root.hasAttribute("data-live-follow");
    if (follows && !followed) following = true; // a new player follows at first
    followBox = null;
    setupFollow();
  }

  // navigate is the fallback when the fetched page is not a live page (the
  // session ended, the device left the course): go there; what was typed
  // is in sessionStorage and comes back if the page is a question again.
  function navigate(url) {
    keepAll();
    location.assign(url);
  }

  function sync() {
    if (syncing || !window.fetch || !window.DOMParser) {
      if (!syncing) navigate(targetURL());
      return;
    }
    syncing = true;
    var url = targetURL();
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.status >= 500 || r.status === 429) throw new Error("server " + r.status);
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("live");
        if (!next || next.dataset.liveRole !== "student") {
          navigate(url);
          return;
        }
        var v = Number(next.dataset.liveVersion || "0");
        syncFails = 0;
        if (v < rendered) return; // an older page (a replica behind): keep ours
        swap(next, url);
        if (doc.title) document.title = doc.title;
        rendered = v;
        view = readView();
        if (latestState && latestState.version === v) setFollowPos(latestState);
      })
      .catch(function () {
        syncFails++;
      })
      .then(function () {
        syncing = false;
        if (latest <= rendered) return;
        if (syncFails === 0) {
          // States that came during the fetch: applied in place if they
          // can be, from what the page shows now.
          step();
          return;
        }
        if (syncFails >= 4) {
          navigate(targetURL());
          return;
        }
        // A failure: try again, a little later each time.
        window.setTimeout(function () {
          if (latest > rendered && !syncing) sync();
        }, SYNC_RETRY * syncFails);
      });
  }

  // targetURL is where the class is (another question), or this question
  // again (a GET: never the post a checked answer returned).
  function targetURL() {
    var q = Number(root.dataset.liveQuestion);
    return latestState && latestState.question !== q ? root.dataset.livePage : root.dataset.liveRefresh;
  }

  // --- in place: what the page can apply without asking the server ---------
  // docs/LIVE.md, "A student page follows the class in place": a pause, a
  // resume, closing and opening answering, hiding the answer and a change
  // of the projector's view alone change the page here, with the server's
  // words (data-live-msg-*); the answer's reveal reads the solutions
  // (data-live-reveal); the page is fetched only for what it cannot have
  // (another question, a lock or unlock it shows, a form it has not got)
  // and whenever anything fails. The same rule is modelled by liveload.
  //
  // view is what the page shows: read from the attributes the server
  // rendered it with (again after every fetch), then kept up to date.
  var view = null;

  function readView() {
    return {
      question: Number(root.dataset.liveQuestion),
      status: root.dataset.liveStatus || "",
      unlocked: intsOf(root.dataset.liveUnlocked),
      form: root.querySelector("form.exercise-form") !== null,
      revealed: root.hasAttribute("data-live-revealed"),
      // stash: each solution slot's content before an in-place reveal
      // (null: not revealed here; a page rendered revealed has none).
      stash: null,
      // What a pause in place took away: the focused field, its caret,
      // the scroll position.
      pausedFocus: null,
      pausedScroll: null,
    };
  }

  function intsOf(text) {
    return (text || "").split(" ").filter(Boolean).map(Number);
  }

  // statusOf is web/live.go's liveStudentStatus: what a page of question q
  // says in state st.
  function statusOf(st, q) {
    if (st.ended) return "ended";
    if (st.paused) return "paused";
    if ((st.unlocked || []).indexOf(q) < 0) return "waiting";
    if (st.closed) return "closed";
    return "open";
  }

  function messageOf(st, status) {
    var d = root.dataset;
    var m = { paused: d.liveMsgPaused, waiting: d.liveMsgWaiting, closed: d.liveMsgClosed, open: d.liveMsgOpen }[status];
    if (m && st.revealed && (status === "open" || status === "closed")) m += d.liveMsgRevealedSuffix || "";
    return m;
  }

  // formless says a page of a question in this status has no form (the
  // server renders the heading and the status line only).
  function formless(status) {
    return status === "waiting" || status === "paused";
  }

  // plan says what the page does for state st: "place" (apply it here),
  // "reveal" (read the solutions, then apply it here) or "fetch". The
  // page follows the class's question: another question the server would
  // show without a form (locked, or the room paused) is drawn here too;
  // the page is fetched when the form is needed.
  function plan(st) {
    if (st.ended) return "fetch";
    var status = statusOf(st, st.question);
    if (!messageOf(st, status)) return "fetch";
    if (st.question !== view.question) return formless(status) ? "place" : "fetch";
    if (!formless(status) && !view.form) return "fetch";
    if (view.form && st.revealed && !view.revealed) return root.dataset.liveReveal ? "reveal" : "fetch";
    // Hidden again: solutions revealed here go back from the stash, those
    // the server rendered from its template[data-live-unrevealed] markup.
    if (view.form && !st.revealed && view.revealed && !view.stash && unrevealedMarkup().length === 0) return "fetch";
    return "place";
  }

  // step applies the newest state the page has not shown, one request at
  // a time (a state that arrives meanwhile is applied after it).
  function step() {
    if (syncing || !latestState || latest <= rendered) return;
    var st = latestState;
    var how = plan(st);
    if (how === "place") {
      applyInPlace(st);
    } else if (how === "reveal") {
      revealInPlace();
    } else {
      sync();
    }
  }

  function say(text) {
    var status = document.getElementById("live-status");
    if (status && status.textContent !== text) status.textContent = text;
  }

  function exerciseOf() {
    return root.querySelector("article.exercise");
  }

  function titleOf() {
    return document.getElementById("live-title");
  }

  // focusHeading gives a heading the focus (programmatic only).
  function focusHeading(h) {
    if (!h) return;
    if (!h.hasAttribute("tabindex")) h.setAttribute("tabindex", "-1");
    h.focus({ preventScroll: true });
  }

  // rescueFocus moves the focus out of el, about to be hidden or removed,
  // to heading h: never lost into <body>.
  function rescueFocus(el, h) {
    var a = document.activeElement;
    if (a && a !== document.body && el && el.contains(a)) focusHeading(h);
  }

  function applyInPlace(st) {
    if (st.question !== view.question) {
      moveInPlace(st);
    } else {
      var status = statusOf(st, view.question);
      if (view.form && !st.revealed && view.revealed) unreveal();
      if (status === "paused" && view.status !== "paused") {
        pauseInPlace();
      } else if (status !== "paused" && view.status === "paused") {
        resumeInPlace();
      }
    }
    var q = view.question;
    var now = statusOf(st, q);
    if (view.status !== now) {
      root.classList.remove("live-" + view.status);
      root.classList.add("live-" + now);
      root.dataset.liveStatus = now;
      view.status = now;
    }
    view.unlocked = (st.unlocked || []).slice();
    root.dataset.liveUnlocked = view.unlocked.join(" ");
    navInPlace(view.unlocked, q);
    say(messageOf(st, now));
    rendered = st.version;
    root.dataset.liveVersion = String(rendered);
  }

  // withQ is url (the page's refresh or reveal URL) for question q: the
  // server's URLs differ only in their q parameter.
  function withQ(url, q) {
    return (url || "").replace(/([?&])q=\d+/, "$1q=" + q);
  }

  // moveInPlace draws the page of another question the server shows
  // without a form (locked, or the room paused), as web/live.go renders
  // it: the heading, "Question N of M", the question's URLs; the old
  // question's exercise (its form, player and solutions) goes, what was
  // typed in it kept (per question). A focus in it goes to the heading.
  function moveInPlace(st) {
    var q = st.question;
    keepAll();
    var art = exerciseOf(), h = titleOf();
    if (h) h.hidden = false;
    if (art) {
      rescueFocus(art, h);
      art.parentNode.removeChild(art);
    }
    var d = root.dataset;
    d.liveQuestion = String(q);
    d.liveRefresh = withQ(d.liveRefresh, q);
    d.liveReveal = withQ(d.liveReveal, q);
    root.removeAttribute("data-live-follow");
    root.removeAttribute("data-live-revealed");
    var eyebrow = root.querySelector(".eyebrow");
    if (eyebrow) eyebrow.textContent = "Live session " + (d.liveCode || "") + " · Question " + (q + 1) + " of " + st.items;
    var refresh = root.querySelector(".live-refresh a");
    if (refresh) refresh.setAttribute("href", d.liveRefresh);
    if (window.history && history.replaceState) history.replaceState(history.state, "", d.liveRefresh);
    follows = false;
    followBox = null;
    lastPos = null;
    resubscribed = -1;
    view = { question: q, status: view.status, unlocked: view.unlocked, form: false, revealed: false, stash: null, pausedFocus: null, pausedScroll: null };
    // player.js stops the players that left the page.
    root.dispatchEvent(new CustomEvent("stride:content", { bubbles: true }));
  }

  // navInPlace makes the "Unlocked questions" links the server renders
  // for question q: one per unlocked question, there with more than one,
  // the shown question's marked current.
  function navInPlace(unlocked, q) {
    var nav = root.querySelector("nav[aria-label='Unlocked questions']");
    var a = document.activeElement;
    var focused = nav && a && nav.contains(a) ? a.getAttribute("href") : null;
    if (unlocked.length <= 1) {
      if (nav) {
        rescueFocus(nav, titleOf());
        nav.parentNode.removeChild(nav);
      }
      return;
    }
    var want = unlocked.map(function (u) {
      return { href: withQ(root.dataset.liveRefresh, u), label: "Question " + (u + 1), current: u === q };
    });
    var have = nav ? Array.prototype.map.call(nav.querySelectorAll("a"), function (l) {
      return { href: l.getAttribute("href"), label: l.textContent, current: l.getAttribute("aria-current") === "page" };
    }) : [];
    if (JSON.stringify(want) === JSON.stringify(have)) return;
    var next = document.createElement("nav");
    next.setAttribute("aria-label", "Unlocked questions");
    var ul = document.createElement("ul");
    ul.className = "live-others";
    var refocus = null;
    want.forEach(function (w) {
      var li = document.createElement("li");
      var l = document.createElement("a");
      l.setAttribute("href", w.href);
      if (w.current) l.setAttribute("aria-current", "page");
      l.textContent = w.label;
      if (focused === w.href) refocus = l;
      li.appendChild(l);
      ul.appendChild(li);
    });
    next.appendChild(ul);
    if (nav) {
      if (focused && !refocus) rescueFocus(nav, titleOf());
      nav.parentNode.replaceChild(next, nav);
    } else {
      var after = root.querySelector(".live-refresh");
      root.insertBefore(next, after ? after.nextSibling : exerciseOf());
    }
    if (refocus) refocus.focus({ preventScroll: true });
  }

  // pauseInPlace hides the exercise (kept, with what was typed) and shows
  // the session's heading; a focused field hands the focus to it.
  function pauseInPlace() {
    var art = exerciseOf(), h = titleOf();
    if (!art || art.hidden) return;
    var a = document.activeElement;
    view.pausedFocus = null;
    if (a && art.contains(a)) {
      view.pausedFocus = { el: a };
      try {
        view.pausedFocus.start = a.selectionStart;
        view.pausedFocus.end = a.selectionEnd;
      } catch (e) {
        /* no selection on this kind of field */
      }
    }
    var x = window.scrollX, y = window.scrollY;
    if (h) h.hidden = false;
    if (view.pausedFocus) focusHeading(h);
    art.hidden = true;
    // The page is shorter now: the position comes back on the resume,
    // unless the student scrolls meanwhile.
    view.pausedScroll = { x: x, y: y, at: window.scrollY };
  }

  function resumeInPlace() {
    var art = exerciseOf(), h = titleOf();
    if (!art || !art.hidden) return;
    art.hidden = false;
    var f = view.pausedFocus, sc = view.pausedScroll;
    view.pausedFocus = view.pausedScroll = null;
    var a = document.activeElement;
    var onHeading = !a || a === document.body || a === h;
    if (f && f.el.isConnected && onHeading) {
      f.el.focus({ preventScroll: true });
      if (typeof f.start === "number" && f.el.setSelectionRange) {
        try {
          f.el.setSelectionRange(f.start, f.end);
        } catch (e) {
          /* not a text field */
        }
      }
    } else if (a === h) {
      focusHeading(document.getElementById("exercise-title"));
    }
    if (h) h.hidden = true;
    if (sc && Math.abs(window.scrollY - sc.at) <= 1) window.scrollTo(sc.x, sc.y);
  }

  // revealInPlace reads this learner's solutions of the question (the
  // reveal fragment, docs/LIVE.md) and puts each where app.js puts an
  // earned one; anything but a 200 for this question fetches the page.
  function revealInPlace() {
    syncing = true;
    var q = view.question;
    var asked = latest; // the state that asked for the reveal
    var refused = false;
    fetch(root.dataset.liveReveal, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) {
        refused = r.status === 409;
        if (r.status !== 200) throw new Error("reveal " + r.status);
        return r.json();
      })
      .then(function (d) {
        if (!d || d.question !== q || !d.parts || typeof d.parts !== "object" || view.question !== q || !applyReveal(d)) {
          throw new Error("reveal not applied");
        }
        return true;
      })
      .catch(function () {
        return false;
      })
      .then(function (ok) {
        syncing = false;
        if (ok) {
          step();
        } else if (refused) {
          afterRefusal(asked);
        } else {
          sync();
        }
      });
  }

  // afterRefusal follows a reveal the server refused (409: the answer is
  // hidden again, or the room moved on) without fetching the page: the
  // socket brings the state that refused it, and that state is applied as
  // any other (a hide costs nothing). Only if no newer state comes within
  // a few seconds (a replica that has not heard of the reveal yet) is the
  // page fetched, as for any other failure.
  function afterRefusal(asked) {
    if (latest > asked) {
      step();
      return;
    }
    var waited = latest;
    setTimeout(function () {
      if (latest === waited && !syncing && latest > rendered) sync();
    }, 3000);
  }

  function applyReveal(d) {
    var ids = Object.keys(d.parts);
    var stash = {};
    ids.forEach(function (id) {
      ["solution-" + id, "model-body-" + id].forEach(function (sid) {
        var el = document.getElementById(sid);
        if (el && root.contains(el)) stash[sid] = Array.prototype.slice.call(el.childNodes);
      });
    });
    var html = {}, tokens = [];
    ids.forEach(function (id) {
      var p = d.parts[id] || {};
      if (typeof p.solution_html === "string") html[id] = p.solution_html;
      if (typeof p.unlock === "string" && p.unlock) tokens.push(p.unlock);
    });
    // app.js's showSolution puts them in (one copy of that code).
    var ev = new CustomEvent("stride:solutions", { detail: { parts: html, open: true, shown: 0 } });
    document.dispatchEvent(ev);
    if (ev.detail.shown !== Object.keys(html).length) {
      restoreSlots(stash);
      return false;
    }
    view.stash = stash;
    view.revealed = true;
    root.setAttribute("data-live-revealed", "");
    document.dispatchEvent(new CustomEvent("stride:unlock", { detail: { ids: ids, tokens: tokens } }));
    // The player follows the instructor's from now on (as on a page
    // rendered revealed).
    if (player()) {
      root.setAttribute("data-live-follow", "");
      if (!follows) following = true;
      follows = true;
      if (!followBox) setupFollow();
      setFollowPos({ question: view.question, revealed: true });
    }
    return true;
  }

  function restoreSlots(stash) {
    Object.keys(stash).forEach(function (sid) {
      var el = document.getElementById(sid);
      if (!el) return;
      rescueFocus(el, document.getElementById("exercise-title"));
      el.textContent = "";
      stash[sid].forEach(function (n) {
        el.appendChild(n);
      });
    });
  }

  // unrevealedMarkup is the server's markup of what each solution slot
  // shows unrevealed, on a page it rendered revealed (exercise.templ).
  function unrevealedMarkup() {
    return root.querySelectorAll("template[data-live-unrevealed]");
  }

  // unreveal takes back the revealed solutions: each slot revealed in
  // place gets what it had before; on a page the server rendered revealed
  // each revealed element (a part's worked solution, a model answer) is
  // replaced by the markup the server put beside it for that. The player
  // stops following.
  function unreveal() {
    var h = document.getElementById("exercise-title");
    restoreSlots(view.stash || {});
    Array.prototype.forEach.call(unrevealedMarkup(), function (t) {
      var id = t.getAttribute("data-live-unrevealed");
      var el = t.nextElementSibling;
      var fits = el && (id.indexOf("model-body-") === 0 ? el.id === id : el.matches("details.solution"));
      if (fits) {
        rescueFocus(el, h);
        el.parentNode.replaceChild(document.importNode(t.content, true), el);
      }
      t.parentNode.removeChild(t);
    });
    view.stash = null;
    view.revealed = false;
    root.removeAttribute("data-live-revealed");
    root.removeAttribute("data-live-follow");
    follows = false;
    if (followBox) {
      var box = followBox.button.parentNode;
      rescueFocus(box, h);
      if (box.parentNode) box.parentNode.removeChild(box);
      followBox = null;
    }
    setFollowPos({ question: view.question, revealed: false });
  }

  function onStudentState(st) {
    if (st.version >= latest) {
      latest = st.version;
      latestState = st;
      root.dataset.liveLatest = String(latest); // the newest state heard (tests)
    }
    step();
  }

  // setFollowPos forgets a player position of another question or from
  // before the reveal; if the page now follows a player and knows no
  // position for it, the socket reconnects: the hub sends the position to
  // every new subscriber after its state.
  var resubscribed = -1; // the question whose position was asked for
  function setFollowPos(st) {
    if (lastPos && (lastPos.question !== st.question || !st.revealed)) lastPos = null;
    if (!st.revealed) resubscribed = -1;
    if (follows && player() && !lastPos && st.revealed && resubscribed !== st.question) {
      resubscribed = st.question;
      resubscribe();
    } else if (follows && following && lastPos && player()) {
      player().follow(lastPos);
    }
  }

  function onTyping(ev) {
    var el = ev.target;
    if (!el || !el.form || !root.contains(el) || !el.name) return;
    keep(el);
    saveTyped();
  }

  // resubscribe closes the socket and opens a new one at once: the hub's
  // first messages to a subscriber are the whole state and the player's
  // position.
  var again = false;
  function resubscribe() {
    if (!socket) return;
    again = true;
    socket.close();
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + root.dataset.liveSocket);
    socket = ws;
    ws.onopen = function () {
      delay = 500;
    };
    ws.onmessage = function (ev) {
      var m;
      try {
        m = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (m.state && role === "student") {
        onStudentState(m.state);
      } else if (m.state && m.state.version !== version) {
        // The room moved on: the instructor's and the projector's pages
        // show where it is now (nothing is typed on them).
        version = m.state.version;
        if (!leaving) location.reload();
        return;
      } else if (m.state) {
        // The page shows the room's state: it stays (tests wait for this).
        root.setAttribute("data-live-synced", "");
      }
      if (m.counts && role === "staff") {
        renderCounts(m.counts);
        scheduleNames();
      }
      if (m.type === "player" && m.player) {
        onPlayer(m.player);
      }
      if (m.type === "error" && drives) {
        showDriveError("Not sent to the class: " + m.error);
      }
    };
    ws.onclose = function (ev) {
      socket = null;
      if (again) {
        again = false;
        connect();
        return;
      }
      if (ev.code === 1000) {
        if (role === "student") keepAll();
        location.reload(); // the session ended
        return;
      }
      // Dropped (1013), server restart (1001) or network: reconnect; the
      // first message resyncs the page.
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  function begin() {
    if (role === "student") {
      view = readView();
      restoreTyped();
      document.addEventListener("input", onTyping);
      document.addEventListener("change", onTyping);
    }
    if (role !== "student") document.addEventListener("submit", onLeave);
    setupFollow();
    setupDrive();
    connect();
  }
  // onLeave notes that a form of the page is being sent. Should no new
  // page come (the instructor stopped it), the page reloads after a while
  // if the room moved on meanwhile.
  function onLeave(ev) {
    if (ev.defaultPrevented || (ev.target.method || "").toLowerCase() !== "post") return;
    clearTimeout(leaving);
    leaving = setTimeout(function () {
      leaving = null;
      if (version !== shown) location.reload();
    }, 10000);
  }
  // player.js (deferred too) creates the players on DOMContentLoaded or at
  // once; either way they exist before this runs on DOMContentLoaded.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", begin);
  } else {
    begin();
  }
})();
