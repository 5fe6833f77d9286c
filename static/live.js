// live.js follows a live session over its websocket (docs/LIVE.md). The
// pages work without it: students reload, instructors' forms post.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !root.dataset.liveSocket || !window.WebSocket) {
    return;
  }
  var role = root.dataset.liveRole;
  var version = Number(root.dataset.liveVersion || "0");
  var delay = 500;
  var socket = null;
  // The instructor's player drives the class (data-live-drive); students'
  // and the projector's players follow it (data-live-follow).
  var drives = root.hasAttribute("data-live-drive");
  var follows = root.hasAttribute("data-live-follow");
  var following = true;
  var lastPos = null;
  var restored = false;
  // What the projector hides (data-live-hide) and where the names are
  // read again when the counts change (data-live-names; live_names.go).
  var hidden = (root.dataset.liveHide || "").split(" ");
  var namesURL = root.dataset.liveNames || "";
  // seen is the room (not the projector's view) as this student page
  // shows it: a change of the projector's view alone does not reload it.
  var seen = null;

  function hides(what) {
    return hidden.indexOf(what) >= 0;
  }

  function roomKey(s) {
    return JSON.stringify([s.question, s.unlocked, s.paused, s.closed, s.revealed, s.ended]);
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
        label.className = "live-bar-label";
        label.textContent = b.key;
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
      if (m.state && m.state.version !== version && role === "student" && seen !== null && roomKey(m.state) === seen) {
        // Only the projector's view changed: nothing on this page did.
        version = m.state.version;
        root.dataset.liveVersion = String(version);
      } else if (m.state && m.state.version !== version) {
        // The room moved on: show where it is now. An instructor's
        // reload keeps nothing unsaved; a student's answers are checked
        // and stored before they change.
        version = m.state.version;
        if (role === "student") {
          // A GET of where the class is: a reload of the page a checked
          // answer returned would post the answer again.
          var q = Number(root.dataset.liveQuestion);
          location.assign(m.state.question !== q ? root.dataset.livePage : root.dataset.liveRefresh);
        } else {
          location.reload();
        }
        return;
      }
      if (m.state && role === "student") {
        seen = roomKey(m.state);
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
      if (ev.code === 1000) {
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
    setupFollow();
    setupDrive();
    connect();
  }
  // player.js (deferred too) creates the players on DOMContentLoaded or at
  // once; either way they exist before this runs on DOMContentLoaded.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", begin);
  } else {
    begin();
  }
})();
