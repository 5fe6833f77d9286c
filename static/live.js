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
      p.histogram.forEach(function (b) {
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
      sec.appendChild(ul);
      if (p.wrong.length > 0) {
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

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + root.dataset.liveSocket);
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
      if (m.state && m.state.version !== version) {
        // The room moved on: show where it is now. An instructor's
        // reload keeps nothing unsaved; a student's answers are checked
        // and stored before they change.
        version = m.state.version;
        location.reload();
        return;
      }
      if (m.counts && role === "staff") {
        renderCounts(m.counts);
      }
    };
    ws.onclose = function (ev) {
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
  connect();
})();
