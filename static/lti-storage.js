// LTI platform storage (1EdTech "LTI Client Side postMessages" and "OIDC
// Login with LTI Client Side postMessages"), for launches in browsers that
// block third-party cookies. The page (templates/lti.templ) names what to
// do in data attributes of <main data-lti-storage>:
//
//   put: store the login's state and nonce in the LMS's storage frame
//        (lti.put_data), then continue to the LMS's authorization URL;
//   get: read them back at the launch (lti.get_data) and post them with
//        the sealed launch, which the server checks.
//
// Every storage message goes to the frame the LMS named (window.parent for
// "_parent") with the target origin of the LMS's OIDC authorization URL,
// and only answers from that origin, to a message id this page sent, are
// believed. lti.capabilities goes to the parent with target "*" (the
// parent's origin is not known, and the question gives nothing away); its
// answer may only name the frame to use.
(function () {
  "use strict";
  var main = document.querySelector("[data-lti-storage]");
  if (!main) return;
  var d = main.dataset;
  var status = document.getElementById("lti-storage-status");
  var TIMEOUT_MS = 10000;

  function say(text) {
    if (status) status.textContent = text;
  }

  function fail(text) {
    say(text);
    main.classList.add("lti-storage-failed");
  }

  function messageId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  var parentWin = window.parent !== window ? window.parent : window.opener;
  if (!parentWin || !d.origin) {
    fail("Stride must be opened from your LMS for this launch. Open the link in your LMS again.");
    return;
  }

  // pending maps a message id to its callback; every answer is matched to
  // a question this page asked.
  var pending = {};
  window.addEventListener("message", function (event) {
    var m = event.data;
    if (!m || typeof m !== "object" || typeof m.subject !== "string" || typeof m.message_id !== "string") return;
    var p = pending[m.message_id];
    if (!p || m.subject !== p.subject + ".response") return;
    if (!p.anyOrigin && event.origin !== d.origin) return;
    delete pending[m.message_id];
    clearTimeout(p.timer);
    p.done(m);
  });

  // ask sends one message and calls done with the answer, or with null when
  // none comes in time.
  function ask(win, origin, msg, anyOrigin, done) {
    var id = messageId();
    msg.message_id = id;
    pending[id] = {
      subject: msg.subject, anyOrigin: anyOrigin, done: done,
      timer: setTimeout(function () {
        delete pending[id];
        done(null);
      }, TIMEOUT_MS),
    };
    try {
      win.postMessage(msg, origin);
    } catch (e) {
      clearTimeout(pending[id].timer);
      delete pending[id];
      done(null);
    }
  }

  function frameNamed(name) {
    if (!name || name === "_parent") return parentWin;
    try {
      return parentWin.frames[name] || null;
    } catch (e) {
      return null;
    }
  }

  // capabilities asks the LMS which frame serves subject; the launch's
  // lti_storage_target when it does not say.
  function storageFrame(subject, then) {
    ask(parentWin, "*", { subject: "lti.capabilities" }, true, function (m) {
      var name = d.target;
      if (m && Array.isArray(m.supported_messages)) {
        m.supported_messages.forEach(function (s) {
          if (s && s.subject === subject && typeof s.frame === "string" && s.frame !== "") name = s.frame;
        });
      }
      then(frameNamed(name));
    });
  }

  function put() {
    storageFrame("lti.put_data", function (frame) {
      if (!frame) {
        fail("Your LMS did not offer its storage frame. Open the link in your LMS again.");
        return;
      }
      var left = 2;
      var failed = false;
      [[d.stateKey, d.state], [d.nonceKey, d.nonce]].forEach(function (kv) {
        ask(frame, d.origin, { subject: "lti.put_data", key: kv[0], value: kv[1] }, false, function (m) {
          if (failed) return;
          if (!m || m.error || m.key !== kv[0]) {
            failed = true;
            fail("Your LMS did not keep Stride's launch check" + (m && m.error && m.error.message ? " (" + m.error.message + ")" : "") +
              ". Open the link in your LMS again.");
            return;
          }
          if (--left === 0) {
            say("Continuing to your LMS…");
            window.location.assign(d.continue);
          }
        });
      });
    });
  }

  function get() {
    var form = document.getElementById("lti-storage-form");
    if (!form) return;
    storageFrame("lti.get_data", function (frame) {
      var got = {};
      var left = 2;
      function finish() {
        if (--left > 0) return;
        // Whatever was read goes to the server, which alone decides; an
        // empty value gets its explanation.
        form.elements.state.value = got.state || "";
        form.elements.nonce.value = got.nonce || "";
        say("Opening your page…");
        form.submit();
      }
      if (!frame) {
        left = 1;
        finish();
        return;
      }
      [["state", d.stateKey], ["nonce", d.nonceKey]].forEach(function (kv) {
        ask(frame, d.origin, { subject: "lti.get_data", key: kv[1] }, false, function (m) {
          if (m && !m.error && m.key === kv[1] && typeof m.value === "string") got[kv[0]] = m.value;
          finish();
        });
      });
    });
  }

  if (d.ltiStorage === "put") put();
  else if (d.ltiStorage === "get") get();
})();
