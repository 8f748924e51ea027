// Studio video page, breaking news: the transcript (the automatic track, else the first one) grows
// live while the video is transcribed; the search box asks /api/search (stemmed, phrases over two
// lines) and marks this video's matches; choosing a sentence sets the in and out points around it
// for "Clip to a story", and moves the player there.
(function () {
  "use strict";
  var box = document.querySelector(".quote-desk");
  if (!box) return;
  var list = box.querySelector(".transcript"), state = box.querySelector(".transcript-state");
  var search = box.querySelector(".quote-search"), form = box.querySelector(".clip-to-story");
  var player = document.querySelector(".video-page video");
  var videoUrl = box.dataset.videoUrl;
  var cues = [], hits = {}, chosen = null, shownKey = "";
  var REFRESH_MS = 3000, PAD_S = 0.25;

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }
  function clock(seconds) {
    var whole = Math.floor(seconds), s = whole % 60;
    return Math.floor(whole / 60) + ":" + (s < 10 ? "0" : "") + s;
  }
  function render() {
    var key = JSON.stringify([cues.length, cues.length && cues[cues.length - 1].text, hits, chosen]);
    if (key === shownKey) return;  // unchanged: keep the list (and its scroll) as it is
    shownKey = key;
    list.textContent = "";
    cues.forEach(function (cue, index) {
      var item = document.createElement("li"), button = document.createElement("button"), time = document.createElement("time");
      button.type = "button";
      button.className = "cue" + (hits[cue.start] !== undefined ? " hit" : "");
      button.dataset.index = String(index);
      button.setAttribute("aria-pressed", String(chosen === index));
      time.textContent = clock(cue.start);
      button.appendChild(time);
      button.appendChild(document.createTextNode(cue.text.replace(/\n/g, " ")));
      item.appendChild(button);
      list.appendChild(item);
    });
  }
  function refresh() {
    Promise.all([get(videoUrl), get(videoUrl + "/captions?cues=1")]).then(function (answers) {
      var video = answers[0].body, tracks = (answers[1].body.captions || []);
      var track = tracks.filter(function (t) { return t.source === "auto"; })[0] || tracks[0];
      cues = track ? track.cues : [];
      if (video.duration) box.dataset.duration = String(video.duration);
      var captioning = video.captioning || {};
      var growing = captioning.status === "queued" || captioning.status === "running";
      state.textContent = growing
        ? "Transcribed up to " + clock(captioning.transcribed_until || 0) + "; the transcript grows as speech is recognised."
        : (cues.length ? cues.length + " lines." : "No transcript yet.");
      render();
      if (growing || video.status === "processing" || video.status === "queued") setTimeout(refresh, REFRESH_MS);
    });
  }
  var pending = null;
  search.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      var q = search.value.trim();
      if (!q) { hits = {}; render(); return; }
      get(box.dataset.searchUrl + "?q=" + encodeURIComponent(q)).then(function (answer) {
        hits = {};
        if (!answer.ok) { state.textContent = answer.body.error.message; render(); return; }
        var mine = answer.body.results.filter(function (r) { return r.video_id === box.dataset.videoId; });
        mine.forEach(function (r) { hits[r.start] = r.end; });
        state.textContent = mine.length ? mine.length + " matches." : "Not found (yet).";
        render();
        var first = list.querySelector(".cue.hit");
        if (first) first.scrollIntoView({ block: "nearest" });
      });
    }, 300);
  });
  list.addEventListener("click", function (event) {
    var button = event.target.closest(".cue");
    if (!button) return;
    chosen = Number(button.dataset.index);
    var cue = cues[chosen];
    // A match found over two lines ends with the second one.
    var end = Math.max(cue.end, hits[cue.start] || 0);
    // A little before and after the sentence, never into the lines around it.
    var before = chosen > 0 ? cues[chosen - 1].end : 0;
    var after = cues.filter(function (c) { return c.start >= end; })[0];
    var limit = Math.min(Number(box.dataset.duration) || end + PAD_S, after ? after.start : Infinity);
    var start = Math.round(Math.max(before, cue.start - PAD_S) * 100) / 100;
    end = Math.round(Math.min(limit, end + PAD_S) * 100) / 100;
    if (form) {
      form.querySelector(".quote-in").value = start;
      form.querySelector(".quote-out").value = end;
      var title = form.querySelector(".quote-title");
      if (!title.value) title.value = cue.text.replace(/\n/g, " ").slice(0, 120);
    }
    state.textContent = "In " + start + " s, out " + end + " s.";
    if (player) { player.currentTime = start; }
    render();
  });
  if (form) {
    var storyField = form.querySelector(".quote-story"), headline = form.querySelector(".new-headline");
    var showHeadline = function () { headline.hidden = storyField.value !== ""; };
    storyField.addEventListener("change", showHeadline);
    showHeadline();
  }
  refresh();
})();
