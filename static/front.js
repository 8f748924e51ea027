// Section fronts: the muted preview loop plays over a card's poster while it is hovered or focused,
// unless the reader asked for reduced motion.
(function () {
  "use strict";
  if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
  document.querySelectorAll("a[data-preview]").forEach(function (link) {
    var media = link.querySelector(".card-media");
    if (!media) return;
    var loop = null;
    function start() {
      if (!loop) {
        loop = document.createElement("video");
        loop.src = link.dataset.preview;
        loop.muted = true; loop.loop = true; loop.playsInline = true;
        loop.setAttribute("aria-hidden", "true");
        loop.className = "card-preview";
        media.appendChild(loop);
      }
      loop.hidden = false;
      loop.play().catch(function () {});
    }
    function stop() { if (loop) { loop.pause(); loop.hidden = true; } }
    link.addEventListener("mouseenter", start);
    link.addEventListener("focus", start);
    link.addEventListener("mouseleave", stop);
    link.addEventListener("blur", stop);
  });
})();
