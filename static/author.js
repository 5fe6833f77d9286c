// The exercise editor's live preview (web/authoring_edit.go): while an
// instructor types, the form is sent (debounced) for the preview alone,
// which replaces the preview region (aria-live="polite") and puts each
// problem next to its field. Without JavaScript the Preview button renders
// the same server-side.
(function () {
  "use strict";
  var form = document.getElementById("author-form");
  var region = document.getElementById("author-preview");
  if (!form || !region || !window.fetch || !window.FormData || !window.DOMParser) {
    return;
  }
  var url = form.getAttribute("data-preview-url");
  var delay = 600;
  var timer = null;
  var seq = 0;
  var controller = null;

  function showErrors(body) {
    var spans = form.querySelectorAll("[data-error-for]");
    for (var i = 0; i < spans.length; i++) {
      spans[i].textContent = "";
    }
    var invalid = form.querySelectorAll("[aria-invalid='true']");
    for (var j = 0; j < invalid.length; j++) {
      invalid[j].setAttribute("aria-invalid", "false");
    }
    var items = body.querySelectorAll(".author-preview-errors li");
    for (var k = 0; k < items.length; k++) {
      var target = items[k].getAttribute("data-target");
      if (!target) {
        continue;
      }
      var span = document.getElementById(target + "-err");
      var control = document.getElementById(target);
      if (span) {
        span.textContent = items[k].textContent;
      }
      if (control) {
        control.setAttribute("aria-invalid", "true");
      }
    }
    // The summary above the form described the last full page; the
    // fields and the preview now say what is wrong.
    var summary = document.getElementById("author-errors");
    if (summary) {
      summary.parentNode.removeChild(summary);
    }
  }

  function send() {
    var mine = ++seq;
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    var data = new FormData(form);
    data.set("action", "preview");
    var body = form.enctype === "multipart/form-data" ? data : new URLSearchParams(data);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      return res.text();
    }).then(function (html) {
      if (mine !== seq) {
        return;
      }
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector(".author-preview-body");
      if (!fresh) {
        return; // busy or signed out: the Preview button still works
      }
      var node = document.importNode(fresh, true);
      while (region.firstChild) {
        region.removeChild(region.firstChild);
      }
      region.appendChild(node);
      showErrors(node);
    }).catch(function () {});
  }

  function schedule() {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(send, delay);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.setAttribute("data-live", "on");
})();
