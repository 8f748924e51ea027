// Caption editor: cues as rows (time and text), edit, split, merge, delete, shift all, play from a
// cue; saving PUTs the cue list as a new version (the server keeps every earlier version, and a
// refused save leaves the edits on screen). "Mark reviewed" vouches for automatic captions as they are.
(function () {
  "use strict";
  var page = document.querySelector(".caption-editor");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var video = page.querySelector("video");
  var body = page.querySelector(".cue-table tbody");
  var state = page.querySelector(".save-state");
  var lang = page.dataset.lang;
  var cues = [];
  var saveUrl = page.dataset.captions.split("?")[0] + "/" + encodeURIComponent(lang);

  function round(n) { return Math.round(n * 1000) / 1000; }

  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", action);
    return b;
  }

  function timeInput(cue, key, label) {
    var input = document.createElement("input");
    input.type = "number"; input.step = "0.001"; input.min = "0"; input.value = cue[key];
    input.className = "cue-" + key;
    input.setAttribute("aria-label", label);
    input.addEventListener("change", function () { cue[key] = Number(input.value); });
    return input;
  }

  function render() {
    body.textContent = "";
    cues.forEach(function (cue, index) {
      var row = document.createElement("tr");
      var text = document.createElement("textarea");
      text.className = "cue-text"; text.rows = 2; text.value = cue.text;
      text.setAttribute("aria-label", "Text of cue " + (index + 1));
      text.addEventListener("input", function () { cue.text = text.value; });
      var cells = [timeInput(cue, "start", "Start of cue " + (index + 1)), timeInput(cue, "end", "End of cue " + (index + 1)), text];
      var actions = document.createElement("td");
      actions.append(
        button("Play", function () { video.currentTime = cue.start; video.play(); }),
        button("Split", function () {
          var words = cue.text.split(/\s+/), half = Math.ceil(words.length / 2), middle = round((cue.start + cue.end) / 2);
          cues.splice(index, 1, { start: cue.start, end: middle, text: words.slice(0, half).join(" ") },
                      { start: middle, end: cue.end, text: words.slice(half).join(" ") || "…" });
          render();
        }),
        button("Merge with next", function () {
          var next = cues[index + 1];
          if (!next) return;
          cues.splice(index, 2, { start: cue.start, end: next.end, text: cue.text + " " + next.text });
          render();
        }),
        button("Delete", function () { cues.splice(index, 1); render(); })
      );
      cells.forEach(function (cell) { var td = document.createElement("td"); td.appendChild(cell); row.appendChild(td); });
      row.appendChild(actions);
      body.appendChild(row);
    });
  }

  page.querySelector(".shift-all").addEventListener("click", function () {
    var by = Number(page.querySelector(".shift-by").value) || 0;
    cues.forEach(function (cue) { cue.start = round(Math.max(0, cue.start + by)); cue.end = round(Math.max(0.001, cue.end + by)); });
    render();
  });
  page.querySelector(".add-cue").addEventListener("click", function () {
    var t = round(video.currentTime || 0);
    cues.push({ start: t, end: round(t + 2), text: "New caption" });
    cues.sort(function (a, b) { return a.start - b.start; });
    render();
  });
  page.querySelector(".save").addEventListener("click", function () {
    state.textContent = "Saving…";
    fetch(saveUrl, { method: "PUT", credentials: "same-origin",
                     headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
                     body: JSON.stringify({ cues: cues }) })
      .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
      .then(function (result) {
        state.textContent = result[0] ? "Saved as version " + result[1].versions + "." :
          "Not saved: " + result[1].error.message + " Your edits are still here.";
        page.dataset.saved = result[0] ? String(result[1].versions) : "";
        var review = page.querySelector(".mark-reviewed");
        if (result[0] && review) review.hidden = true;  // an edit is a review
      })
      .catch(function () { state.textContent = "Not saved (no connection). Your edits are still here."; });
  });

  fetch(page.dataset.captions, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var track = data.captions.filter(function (t) { return t.lang === lang; })[0];
      cues = track ? track.cues : [];
      if (track) {
        var element = document.createElement("track");
        element.kind = "captions"; element.srclang = lang; element.label = track.label; element.src = track.url; element.default = true;
        video.appendChild(element);
      }
      render();
      page.dataset.loaded = "1";
    });
  var review = page.querySelector(".mark-reviewed");
  if (review) {
    review.addEventListener("click", function () {
      fetch(saveUrl + "/review", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf }, body: "{}" })
        .then(function (r) {
          state.textContent = r.ok ? "Marked reviewed: readers now get these captions by default." : "Could not mark reviewed.";
          if (r.ok) review.hidden = true;
        });
    });
  }
})();
