// Stride embed helper for host pages (course sites, LMS pages). Include it
// once on a page with Stride iframes:
//
//   <script src="https://stride.example.edu/static/embed.js" async></script>
//
// It keeps every Stride iframe as tall as its content, using the
// {"source": "stride", "type": "resize"} messages the embedded page sends,
// and re-dispatches check results as a "stride:result" DOM event on the
// iframe, so a page can react to them without handling postMessage itself.
(function () {
  "use strict";
  if (window.__strideEmbed) return;
  window.__strideEmbed = true;

  function frameFor(source) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) return frames[i];
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    var msg = event.data;
    if (!msg || typeof msg !== "object" || msg.source !== "stride") return;
    var frame = frameFor(event.source);
    if (!frame) return;
    if (msg.type === "resize" && typeof msg.height === "number" && msg.height > 0 && msg.height < 100000) {
      frame.style.height = Math.ceil(msg.height) + "px";
    } else if (msg.type === "result") {
      var detail = { exercise: msg.exercise, seed: msg.seed, part: msg.part, status: msg.status };
      var ev;
      try {
        ev = new CustomEvent("stride:result", { detail: detail, bubbles: true });
      } catch (e) {
        return;
      }
      frame.dispatchEvent(ev);
    }
  });
})();
