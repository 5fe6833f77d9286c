// Stride's step-by-step player. The server owns the computation and the
// pace: this script opens /ws/animate, sends a "start" message and renders
// the meta and step messages it streams back. Without this script (or
// without websockets) the server-rendered step tables stay in place.
(function () {
  "use strict";

  var MINUS = "\u2212";

  // AHEAD_MS is how far ahead of their time the server may send steps
  // while playing (the start's ahead_ms, docs/PROTOCOL.md "Steps sent
  // ahead"): one message of several steps instead of one a step costs the
  // server and the network less, and each step carries due_in_ms, when to
  // show it. The player shows every step at its time, and a control
  // message's answer drops the steps not shown yet.
  var AHEAD_MS = 500;

  function clock() {
    return window.performance && performance.now ? performance.now() : Date.now();
  }

  function fmt(v) {
    if (v === null || v === undefined) return MINUS + "\u221e";
    if (typeof v !== "number") return String(v);
    var s;
    if (Number.isInteger(v)) s = String(v);
    else s = String(Number(v.toFixed(4)));
    return s.replace("-", MINUS);
  }

  function factor(v) {
    var s = fmt(v);
    return v < 0 ? "(" + s + ")" : s;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function Player(root) {
    this.root = root;
    this.app = root.querySelector(".player-app");
    this.stage = root.querySelector("[data-role=stage]");
    this.live = root.querySelector("[data-role=live]");
    this.sum = root.querySelector("[data-role=sum]");
    this.compare = root.querySelector("[data-role=compare]");
    this.scrubber = root.querySelector("[data-role=scrubber]");
    this.position = root.querySelector("[data-role=position]");
    this.speed = root.querySelector("[data-role=speed]");
    this.toggleButton = root.querySelector("[data-action=toggle]");
    this.which = root.querySelector("[data-role=which]");
    this.meta = null;
    this.index = -1;
    this.playing = false;
    this.pending = [];
    this.wanted = null; // a compare request waiting for its step
    this.seekTarget = null; // the step a coalesced seek will ask for
    this.sought = null; // the step of the last seek sent, until it arrives
    this.seekFrame = 0;
    // Steps (and a done) received ahead of their time, in order, each with
    // the clock time to show it at; one timer runs for the first.
    this.queue = [];
    this.queueTimer = 0;
    // Unlock tokens the page was rendered with (after a plain post, or kept
    // answers restored by app.js): parts already attempted or revealed.
    addTokens((root.getAttribute("data-unlock") || "").split(" "));
    this.connect();
    this.bind();
  }

  Player.prototype.wsURL = function () {
    var path = this.root.getAttribute("data-ws-url");
    var proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    return proto + "//" + window.location.host + path;
  };

  Player.prototype.connect = function () {
    var self = this;
    if (!window.WebSocket) return;
    var ws;
    try {
      ws = new WebSocket(this.wsURL());
    } catch (e) {
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      // Only now hide the fallback tables: the live player works.
      self.root.classList.add("player-live-mode");
      self.app.hidden = false;
      self.start(self.currentStart());
      self.pending.forEach(function (m) { ws.send(JSON.stringify(m)); });
      self.pending = [];
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      self.handle(msg);
    };
    ws.onclose = function (ev) {
      self.root.classList.remove("player-live-mode");
      if (self.meta) {
        self.live.textContent = "The animation connection closed" + (ev.reason ? ": " + ev.reason : "") + ". The step tables below still show every step.";
      }
      self.app.hidden = !self.meta;
      self.ws = null;
    };
  };

  // stop closes the player's stream for good (its page content is gone).
  Player.prototype.stop = function () {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  };

  Player.prototype.send = function (msg) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(msg));
    else this.pending.push(msg);
  };

  // Parts the student has attempted or revealed on this page; a replay
  // that would show other parts' answers stays locked until they are.
  var unlocked = {};
  // The unlock tokens of those parts, by part: the server sends the steps
  // that give a part's answer away only to a start that carries its token.
  var tokens = {};

  function addTokens(list) {
    (list || []).forEach(function (t) {
      var dot = t ? t.lastIndexOf(".") : -1;
      if (dot <= 0) return;
      tokens[t.slice(0, dot)] = t;
      unlocked[t.slice(0, dot)] = true;
    });
  }

  Player.prototype.currentSource = function () {
    return this.which ? this.which.options[this.which.selectedIndex] : this.root.querySelector("[data-role=single]");
  };

  Player.prototype.lockedParts = function (src) {
    return (src.getAttribute("data-locked") || "").split(",").filter(function (id) { return id && !unlocked[id]; });
  };

  Player.prototype.currentStart = function () {
    var src = this.currentSource();
    var start = JSON.parse(src.getAttribute("data-start"));
    start.type = "start";
    start.fps = Number(this.speed.value);
    // Always paused at first: the student chooses when to watch.
    start.paused = true;
    start.ahead_ms = AHEAD_MS;
    var held = Object.keys(tokens).map(function (k) { return tokens[k]; });
    if (held.length) start.unlock = held;
    return start;
  };

  Player.prototype.start = function (msg) {
    this.meta = null;
    this.seekTarget = null; // a move in the previous animation
    this.sought = null;
    this.index = -1;
    this.compare.hidden = true;
    var src = this.currentSource();
    if (this.lockedParts(src).length) {
      this.locked = true;
      this.stage.textContent = "";
      this.sum.textContent = "";
      this.live.textContent = "This replay shows the answers to " + src.getAttribute("data-locked-labels") +
        ". It opens once you have answered, or chosen “Show the worked solution”.";
      return;
    }
    this.locked = false;
    this.send(msg);
  };

  Player.prototype.unlock = function (ids, toks) {
    ids.forEach(function (id) { unlocked[id] = true; });
    addTokens(toks);
    if (this.locked) {
      if (!this.lockedParts(this.currentSource()).length) this.start(this.currentStart());
    } else if (this.meta && this.meta.withheld && this.meta.withheld.length && toks && toks.length) {
      // Steps held back for a part now answered: start again with its token.
      this.start(this.currentStart());
    }
  };

  Player.prototype.bind = function () {
    var self = this;
    this.root.querySelectorAll("[data-action]").forEach(function (b) {
      b.addEventListener("click", function () { self.userInput(); self.action(b.getAttribute("data-action")); });
    });
    this.scrubber.addEventListener("input", function () {
      if (!self.meta) return;
      self.userInput();
      self.playing = false;
      self.updateToggle();
      self.seekSoon(Number(self.scrubber.value));
    });
    // The end of a drag: send the last position now rather than a frame later.
    this.scrubber.addEventListener("change", function () { self.flushSeek(); });
    this.speed.addEventListener("change", function () {
      self.userInput();
      self.send({ type: "speed", fps: Number(self.speed.value) });
    });
    if (this.which) {
      this.which.addEventListener("change", function () {
        self.userInput();
        self.announceMeta = true;
        self.start(self.currentStart());
      });
    }
    this.app.addEventListener("keydown", function (ev) {
      if (ev.target.tagName === "SELECT" || ev.target.tagName === "INPUT" && ev.target.type !== "range") return;
      var map = { " ": "toggle", ArrowLeft: "back", ArrowRight: "step", Home: "first", End: "last" };
      var a = map[ev.key];
      if (!a) return;
      ev.preventDefault();
      self.userInput();
      self.action(a);
    });
  };

  Player.prototype.action = function (a) {
    if (!this.meta) return;
    var last = this.meta.total_steps - 1;
    if (a !== "toggle") {
      // The server pauses on every move; reflect it at once so a quick
      // Play right after is not taken for a Pause.
      this.playing = false;
      this.updateToggle();
    }
    // Moves are relative to a seek still waiting for its frame, so that
    // keys held down or pressed quickly add up to one seek.
    // A seek sent but not answered yet counts too.
    var from = this.seekTarget !== null ? this.seekTarget : this.sought !== null ? this.sought : this.index;
    switch (a) {
      case "toggle":
        this.flushSeek();
        this.send({ type: this.playing ? "pause" : "play" });
        break;
      case "back":
        if (from > 0) this.seekSoon(from - 1);
        break;
      case "step":
        this.seekSoon(Math.min(last, from + 1));
        break;
      case "first":
        this.seekSoon(0);
        break;
      case "last":
        this.seekSoon(last);
        break;
    }
  };

  // seekSoon asks for step index at the next animation frame, at most one
  // seek a frame whatever the number of scrubber events or key presses in
  // between, and always the latest position: each seek costs from the
  // connection's message budget (docs/PROTOCOL.md, "Budgets"), which a drag
  // across a large animation sending one seek per input event would exhaust.
  Player.prototype.seekSoon = function (index) {
    var self = this;
    this.seekTarget = index;
    if (this.seekFrame) return;
    var send = function () {
      self.seekFrame = 0;
      self.flushSeek();
    };
    this.seekFrame = window.requestAnimationFrame ? window.requestAnimationFrame(send) : window.setTimeout(send, 16);
  };

  // flushSeek sends the seek waiting for its frame, if any.
  Player.prototype.flushSeek = function () {
    if (this.seekTarget === null) return;
    var index = this.seekTarget;
    this.seekTarget = null;
    this.sought = index;
    this.send({ type: "seek", index: index });
  };

  // --- following and driving (live sessions, static/live.js) -------------
  // The player tells the page where it is after every change the server
  // confirms ("stride:player-state", detail {part, index, playing, fps}),
  // and that its user acted ("stride:player-input"); live.js sends the
  // first to the class when the instructor drives, and uses the second to
  // stop a student's player following. follow(pos) moves this player to
  // the instructor's position; its own socket still withholds whatever
  // the student has not earned.

  function partOf(src) {
    try {
      return JSON.parse(src.getAttribute("data-start")).part || "";
    } catch (e) {
      return "";
    }
  }

  Player.prototype.userInput = function () {
    this.root.dispatchEvent(new CustomEvent("stride:player-input", { bubbles: true }));
  };

  Player.prototype.announce = function () {
    if (!this.meta) return;
    var src = this.currentSource();
    this.root.dispatchEvent(new CustomEvent("stride:player-state", {
      bubbles: true,
      detail: { part: partOf(src), index: this.index, playing: this.playing, fps: Number(this.speed.value) }
    }));
  };

  Player.prototype.follow = function (pos) {
    this.followPos = pos;
    var src = this.currentSource();
    if (this.which && partOf(src) !== pos.part) {
      for (var i = 0; i < this.which.options.length; i++) {
        if (partOf(this.which.options[i]) === pos.part) {
          this.which.selectedIndex = i;
          this.start(this.currentStart()); // applyFollow runs on its meta
          return;
        }
      }
    }
    this.applyFollow();
  };

  Player.prototype.applyFollow = function () {
    var pos = this.followPos;
    if (!pos || !this.meta || this.locked) return;
    this.followPos = null;
    var speed = String(pos.fps);
    for (var i = 0; i < this.speed.options.length; i++) {
      if (this.speed.options[i].value === speed && this.speed.value !== speed) {
        this.speed.value = speed;
        this.send({ type: "speed", fps: pos.fps });
      }
    }
    var last = this.meta.total_steps - 1;
    var index = Math.min(pos.index, last);
    this.seekTarget = null;
    if (index >= 0 && (index !== this.index || this.playing)) {
      this.sought = index;
      this.send({ type: "seek", index: index });
    }
    if (pos.playing && index < last) {
      this.send({ type: "play" });
    } else if (!pos.playing && this.playing && index < 0) {
      this.send({ type: "pause" });
    }
  };

  // showCell jumps to one output cell and puts the student's value beside
  // the right one ("show me this cell").
  Player.prototype.showCell = function (animation, index, got) {
    this.wanted = { index: index, got: got };
    if (this.which && String(this.which.value) !== String(animation)) {
      this.which.value = String(animation);
      var start = this.currentStart();
      start.paused = true;
      this.start(start);
    }
    this.pendingSeek = index;
    if (this.meta) this.send({ type: "seek", index: index });
    this.root.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "start" });
    var focusable = this.root.querySelector("[data-action=toggle]");
    if (focusable) focusable.focus({ preventScroll: true });
  };

  // --- steps sent ahead ------------------------------------------------

  // enqueue keeps a step or done sent ahead until its time.
  Player.prototype.enqueue = function (msg) {
    this.queue.push({ msg: msg, at: clock() + Math.max(0, msg.due_in_ms) });
    this.runQueue();
  };

  // runQueue shows what has come due, in order, and sets the timer for
  // the next one. A timer never fires early, so no step shows before its
  // time.
  Player.prototype.runQueue = function () {
    var self = this;
    if (this.queueTimer) {
      window.clearTimeout(this.queueTimer);
      this.queueTimer = 0;
    }
    while (this.queue.length && this.queue[0].at <= clock()) {
      this.apply(this.queue.shift().msg);
    }
    if (this.queue.length) {
      this.queueTimer = window.setTimeout(function () {
        self.queueTimer = 0;
        self.runQueue();
      }, Math.max(0, this.queue[0].at - clock()));
    }
  };

  // settle answers a state: the server counts every step up to index as
  // shown, so those still waiting (a timer running late) are shown now, in
  // order, and the rest (sent ahead, then taken back by the control) are
  // dropped; play sends them again.
  Player.prototype.settle = function (index) {
    var queue = this.queue;
    this.dropQueue();
    for (var i = 0; i < queue.length; i++) {
      if (queue[i].msg.type === "step" && queue[i].msg.index <= index) this.showStep(queue[i].msg);
    }
  };

  Player.prototype.dropQueue = function () {
    this.queue = [];
    if (this.queueTimer) {
      window.clearTimeout(this.queueTimer);
      this.queueTimer = 0;
    }
  };

  Player.prototype.handle = function (msg) {
    if (msg.type === "meta") this.dropQueue();
    else if (msg.type === "state") this.settle(msg.index);
    else if (msg.type === "step" && msg.due_in_ms === undefined) {
      // The answer to step, back or seek: what was sent ahead is void.
      this.dropQueue();
    } else if ((msg.type === "step" || msg.type === "done") && msg.due_in_ms !== undefined) {
      this.enqueue(msg);
      return;
    }
    this.apply(msg);
  };

  Player.prototype.apply = function (msg) {
    switch (msg.type) {
      case "meta":
        this.meta = msg;
        this.index = -1;
        this.playing = !msg.paused;
        this.values = [];
        this.buildStage();
        this.scrubber.max = String(Math.max(0, msg.total_steps - 1));
        this.scrubber.value = "0";
        this.updatePosition();
        this.updateToggle();
        this.live.textContent = msg.total_steps + " steps. " + (this.playing ? "Playing." : "Paused: press Play or Step.");
        if (this.pendingSeek !== undefined) {
          this.send({ type: "seek", index: this.pendingSeek });
          this.pendingSeek = undefined;
        }
        if (this.announceMeta) {
          this.announceMeta = false;
          this.announce();
        }
        this.applyFollow();
        break;
      case "step":
        this.showStep(msg);
        break;
      case "state":
        this.playing = msg.playing;
        if (msg.fps) this.speed.value = String(msg.fps);
        this.updateToggle();
        this.announce();
        break;
      case "done":
        this.playing = false;
        this.updateToggle();
        this.live.textContent += " Done: the output is complete.";
        this.announce();
        break;
      case "error":
        this.sought = null;
        this.live.textContent = "The animation could not start: " + msg.message;
        break;
    }
  };

  Player.prototype.updateToggle = function () {
    // The label alone says what the button does; an aria-pressed state on
    // top would be read as "Pause, pressed".
    this.toggleButton.textContent = this.playing ? "Pause" : "Play";
  };

  Player.prototype.updatePosition = function () {
    var total = this.meta ? this.meta.total_steps : 0;
    this.position.textContent = (this.index + 1) + " of " + total;
  };

  Player.prototype.buildStage = function () {
    var m = this.meta;
    var stage = this.stage;
    stage.textContent = "";
    this.inputCells = [];
    var inputs = el("div", "player-panel player-panel-input");
    inputs.appendChild(el("h3", "", m.padding && (m.padding[0] || m.padding[1]) ? "Padded input" : "Input"));
    var padded = m.padded_input;
    for (var c = 0; c < padded.length; c++) {
      var cells = [];
      inputs.appendChild(this.grid(padded[c], "Input channel " + (c + 1), cells, function (r, col, v) {
        var pr = m.padding[0], pc = m.padding[1];
        var isPad = r < pr || col < pc || r >= padded[0].length - pr || col >= padded[0][0].length - pc;
        return { text: isPad ? (v === null ? MINUS + "\u221e" : "0") : fmt(v), cls: isPad ? "pad" : "" };
      }, padded.length > 1 ? "channel " + (c + 1) : ""));
      this.inputCells.push(cells);
    }
    stage.appendChild(inputs);
    this.kernelPanel = null;
    if (m.kernel) {
      this.kernelPanel = el("div", "player-panel player-panel-kernel");
      this.kernelPanel.appendChild(el("h3", "", "Filter"));
      stage.appendChild(this.kernelPanel);
      this.kernelFor = -1;
    }
    var outputs = el("div", "player-panel player-panel-output");
    outputs.appendChild(el("h3", "", "Output"));
    this.outputCells = [];
    var shape = m.output_shape;
    for (var o = 0; o < shape[0]; o++) {
      var blank = [];
      for (var r = 0; r < shape[1]; r++) {
        var row = [];
        for (var k = 0; k < shape[2]; k++) row.push("");
        blank.push(row);
      }
      var oc = [];
      outputs.appendChild(this.grid(blank, "Output channel " + (o + 1), oc, function () { return { text: "", cls: "" }; },
        shape[0] > 1 ? "channel " + (o + 1) : ""));
      this.outputCells.push(oc);
    }
    stage.appendChild(outputs);
  };

  Player.prototype.grid = function (values, label, store, cellOf, caption) {
    var table = el("table", "grid player-grid");
    table.setAttribute("aria-label", label);
    if (caption) table.appendChild(el("caption", "", caption));
    var body = el("tbody");
    for (var r = 0; r < values.length; r++) {
      var tr = el("tr");
      var row = [];
      for (var c = 0; c < values[r].length; c++) {
        var info = cellOf(r, c, values[r][c]);
        var td = el("td", info.cls, info.text);
        tr.appendChild(td);
        row.push(td);
      }
      store.push(row);
      body.appendChild(tr);
    }
    table.appendChild(body);
    return table;
  };

  Player.prototype.showKernel = function (o) {
    if (!this.kernelPanel || this.kernelFor === o) return;
    this.kernelFor = o;
    while (this.kernelPanel.childNodes.length > 1) this.kernelPanel.removeChild(this.kernelPanel.lastChild);
    var filt = this.meta.kernel[o];
    for (var c = 0; c < filt.length; c++) {
      this.kernelPanel.appendChild(this.grid(filt[c], "Filter " + (o + 1) + ", channel " + (c + 1), [], function (r, col, v) {
        return { text: fmt(v), cls: "" };
      }, this.meta.kernel.length > 1 || filt.length > 1 ? "filter " + (o + 1) + (filt.length > 1 ? ", channel " + (c + 1) : "") : ""));
    }
  };

  Player.prototype.arithmetic = function (s) {
    var op = this.meta.op;
    var parts = [];
    if (op === "conv2d") {
      var perChannel = s.terms.map(function (terms) {
        return terms.map(function (t, i) {
          var x = t.padding ? 0 : t.input;
          return (i === 0 ? fmt(x) : factor(x)) + "\u00b7" + factor(t.weight);
        }).join(" + ");
      });
      parts = perChannel.length > 1 ? perChannel.map(function (p) { return "(" + p + ")"; }) : perChannel;
      var text = parts.join(" + ");
      if (s.bias !== undefined && s.bias !== null) text += " + " + factor(s.bias) + " (bias)";
      return text + " = " + fmt(s.value);
    }
    var vals = s.terms[0].map(function (t) { return t.padding && op === "maxpool2d" ? MINUS + "\u221e" : fmt(t.padding ? 0 : t.input); });
    if (op === "maxpool2d") return "max(" + vals.join(", ") + ") = " + fmt(s.value);
    return "(" + vals.join(" + ") + ") / " + vals.length + " = " + fmt(s.value);
  };

  Player.prototype.showStep = function (s) {
    var m = this.meta;
    if (!m) return;
    this.index = s.index;
    if (this.sought === s.index) this.sought = null;
    if (!s.withheld) this.values[s.index] = s.value;
    // Clear the previous window.
    this.inputCells.forEach(function (ch) {
      ch.forEach(function (row) { row.forEach(function (td) { td.classList.remove("in-window", "window-corner"); }); });
    });
    var self = this;
    if (s.withheld) {
      // No terms: mark the window's rectangle.
      for (var wr = s.window.row; wr < s.window.row + s.window.height; wr++) {
        for (var wc = s.window.col; wc < s.window.col + s.window.width; wc++) {
          var ch0 = this.inputCells[m.op === "conv2d" ? 0 : s.out[0]];
          if (ch0 && ch0[wr] && ch0[wr][wc]) ch0[wr][wc].classList.add("in-window");
        }
      }
    }
    (s.terms || []).forEach(function (terms) {
      terms.forEach(function (t) {
        var ch = m.op === "conv2d" ? t.channel : s.out[0];
        var td = self.inputCells[ch] && self.inputCells[ch][t.row] && self.inputCells[ch][t.row][t.col];
        if (td) td.classList.add("in-window");
      });
    });
    this.showKernel(s.out[0]);
    // Fill the output up to this step; later cells are blank again.
    var shape = m.output_shape, per = shape[1] * shape[2];
    for (var i = 0; i < m.total_steps; i++) {
      var o = Math.floor(i / per), rem = i % per, r = Math.floor(rem / shape[2]), c = rem % shape[2];
      var td = this.outputCells[o][r][c];
      td.classList.remove("current");
      if (i <= s.index && m.withheld && m.withheld.indexOf(i) >= 0) {
        td.textContent = "?";
      } else if (i <= s.index) {
        var v = m.output ? m.output[o][r][c] : this.values[i];
        td.textContent = v === undefined ? "\u2026" : fmt(v);
      } else {
        td.textContent = "";
      }
    }
    this.outputCells[s.out[0]][s.out[1]][s.out[2]].classList.add("current");
    this.scrubber.value = String(s.index);
    this.updatePosition();
    var where = "output row " + (s.out[1] + 1) + ", column " + (s.out[2] + 1) + (shape[0] > 1 ? ", channel " + (s.out[0] + 1) : "");
    if (s.withheld) {
      this.sum.textContent = "Not shown yet: this step gives away the answer to a part you have not answered. " +
        "Answer it (or reveal it) and the replay shows it.";
      this.live.textContent = "Step " + (s.index + 1) + " of " + m.total_steps + ": " + where + " is hidden until you answer its part.";
      return;
    }
    this.sum.textContent = this.arithmetic(s);
    this.live.textContent = "Step " + (s.index + 1) + " of " + m.total_steps + ": " + where + " is " + fmt(s.value) + ".";
    if (this.wanted && this.wanted.index === s.index) {
      this.compare.hidden = false;
      this.compare.textContent = "This is the cell you got wrong: you wrote " + fmt(this.wanted.got) + ", the right value is " + fmt(s.value) + ".";
      this.wanted = null;
    }
  };

  function start() {
    var players = [];
    document.querySelectorAll("[data-player]").forEach(function (root) {
      players.push(new Player(root));
    });
    // "Show me this cell" buttons, added by app.js after a wrong answer.
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest && ev.target.closest("[data-show-cell]");
      if (!b || !players.length) return;
      ev.preventDefault();
      players[0].showCell(b.getAttribute("data-animation"), Number(b.getAttribute("data-step")), Number(b.getAttribute("data-got")));
    });
    document.addEventListener("stride:unlock", function (ev) {
      var d = ev.detail || [];
      var ids = Array.isArray(d) ? d : (d.ids || []);
      players.forEach(function (p) { p.unlock(ids, Array.isArray(d) ? [] : (d.tokens || [])); });
    });
    // A live session's page swaps its content in place (live.js): players
    // that left the page stop (their stream closes), new ones start.
    document.addEventListener("stride:content", function () {
      for (var i = players.length - 1; i >= 0; i--) {
        if (!players[i].root.isConnected) {
          players[i].stop();
          players.splice(i, 1);
        }
      }
      document.querySelectorAll("[data-player]").forEach(function (root) {
        if (!players.some(function (p) { return p.root === root; })) players.push(new Player(root));
      });
    });
    window.StridePlayers = players;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
