// Studio video page: one-click copy of the embed code and URLs. The Clipboard API where the browser
// allows it; otherwise the text is selected (and copied the old way when that still works).
(function () {
  "use strict";
  function copied(state, text) {
    state.textContent = text;
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { state.textContent = ""; }, 4000);
  }
  function fallback(source, state) {
    source.focus();
    source.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    copied(state, done ? "Copied" : "Selected: press Ctrl+C (⌘C) to copy");
  }
  document.querySelectorAll(".copy-button").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var state = button.parentElement.querySelector(".copy-state");
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value)
          .then(function () { copied(state, "Copied"); })
          .catch(function () { fallback(source, state); });
      } else {
        fallback(source, state);
      }
    });
  });
})();
