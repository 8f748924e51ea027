// The story pages' video picker (templates/studio/_video_picker.html): choose a clip from posters
// found by title (/studio/videos.json) or by spoken words (/api/search, where the server has it),
// or upload one in place; the attached clip's status (processing %, playable, ready, failed and why)
// stays live by polling the API with the studio session.
(function () {
  "use strict";
  var picker = document.querySelector(".picker");
  if (!picker) return;
  var api = window.StudioUploader.api;
  var RECENT_SHOWN = 12;
  var hidden = picker.querySelector("#video_id");
  var picked = picker.querySelector(".picked");
  var empty = picker.querySelector(".picker-empty");
  var status = picker.querySelector(".clip-status");
  var bar = picker.querySelector(".clip-progress");
  var hint = picker.querySelector(".publish-hint");
  var query = document.getElementById("picker-q");
  var results = picker.querySelector(".picker-results");
  var stopFollowing = function () {}, searchTimer = null, searchSeq = 0, speechSearch = true;

  function urlFor(template, id) { return template.replace("VIDEO_ID", encodeURIComponent(id)); }

  function clock(seconds) {
    if (!seconds) return "";
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = ("0" + (s % 60)).slice(-2);
    return h ? h + ":" + ("0" + m).slice(-2) + ":" + r : m + ":" + r;
  }

  function posterOf(video) {
    return video.posters && video.posters.length ? video.posters[0].jpeg_url : video.poster_url;
  }

  // "playable" may come before processing ends (a quick rendition); a missing flag counts as not playable.
  function isPlayable(video) { return video.playable === true; }
  function failed(video) { return !video.active && !video.playable; }

  function publishHint(video) {
    if (failed(video)) return "Pick another clip, or re-process this one on its video page.";
    if (isPlayable(video)) return "The article shows the player.";
    return "You can save and publish now: the article shows the player as soon as the clip plays.";
  }

  function show(video) {
    picked.hidden = false;
    empty.hidden = true;
    picked.dataset.status = video.status;
    picked.dataset.playable = String(isPlayable(video));
    picked.querySelector(".picked-title").textContent = video.title;
    picked.querySelector(".picked-duration").textContent = clock(video.duration);
    picked.querySelector(".picked-page").href = urlFor(picker.dataset.pageUrl, video.id);
    var poster = posterOf(video);
    if (poster) picked.querySelector(".picked-poster").src = poster;
    status.textContent = video.status_text;
    bar.value = video.progress || 0;
    bar.hidden = !video.active;
    hint.textContent = publishHint(video);
  }

  function refresh() {
    stopFollowing();
    var id = hidden.value;
    if (!id) return;
    stopFollowing = window.StudioStatus.follow(urlFor(picker.dataset.videoUrl, id), function (video) {
      if (hidden.value === id) show(video);
    }, { onError: function (error) { status.textContent = "Could not check the video: " + error.message; } });
  }

  function markChoices() {
    results.querySelectorAll(".picker-choice").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.id === hidden.value));
    });
  }

  function choose(video) {
    hidden.value = video.id;
    if (video.title) show(video);
    markChoices();
    refresh();
  }

  function choice(video, quote) {
    var item = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "picker-choice";
    button.dataset.id = video.id;
    var img = document.createElement("img");
    img.alt = "";
    img.width = 96;
    img.height = 54;
    if (video.poster_url) img.src = video.poster_url; else img.className = "no-poster";
    var text = document.createElement("span");
    text.className = "choice-text";
    var title = document.createElement("span");
    title.className = "choice-title";
    title.textContent = video.title;
    var meta = document.createElement("span");
    meta.className = "choice-meta";
    meta.textContent = [clock(video.duration), video.status_text].filter(Boolean).join(" · ");
    text.append(title, meta);
    if (quote) {
      var said = document.createElement("span");
      said.className = "choice-quote";
      said.textContent = "“" + quote + "”";
      text.append(said);
    }
    button.append(img, text);
    button.addEventListener("click", function () { choose(video); });
    item.append(button);
    return item;
  }

  function render(videos, quotes, searched) {
    results.textContent = "";
    (searched ? videos : videos.slice(0, RECENT_SHOWN)).forEach(function (video) {
      results.append(choice(video, quotes[video.id]));
    });
    if (!videos.length) {
      var none = document.createElement("li");
      none.className = "hint";
      none.textContent = searched ? "No clip matches." : "The library is empty: upload a clip below.";
      results.append(none);
    }
    markChoices();
    picker.dataset.results = String(videos.length);
  }

  // Spoken words come from the search API when the server has it; without it (404) titles alone count.
  function spokenMatches(q) {
    if (!q || !speechSearch) return Promise.resolve([]);
    return api(picker.dataset.search + "?q=" + encodeURIComponent(q))
      .then(function (answer) { return answer.results || []; })
      .catch(function (error) { if (error.status === 404) speechSearch = false; return []; });
  }

  function search() {
    var q = query.value.trim(), mine = ++searchSeq;
    Promise.all([api(picker.dataset.videos + "?q=" + encodeURIComponent(q)), spokenMatches(q)])
      .then(function (answers) {
        var videos = answers[0].videos, quotes = {}, known = {};
        answers[1].forEach(function (hit) { if (!quotes[hit.video_id]) quotes[hit.video_id] = hit.text; });
        videos.forEach(function (video) { known[video.id] = true; });
        var missing = Object.keys(quotes).filter(function (id) { return !known[id]; }).slice(0, 30);
        var more = missing.length ? api(picker.dataset.videos + "?ids=" + missing.map(encodeURIComponent).join(","))
          .then(function (answer) { return answer.videos; }) : Promise.resolve([]);
        return more.then(function (extra) { if (mine === searchSeq) render(videos.concat(extra), quotes, Boolean(q)); });
      })
      .catch(function (error) { picker.dataset.results = "error"; results.textContent = "Could not search: " + error.message; });
  }

  query.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(search, 250); });
  // Enter searches; inside the story form it must not submit the story.
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); clearTimeout(searchTimer); search(); }
  });
  picker.querySelector(".picked-remove").addEventListener("click", function () {
    stopFollowing();
    hidden.value = "";
    picked.hidden = true;
    empty.hidden = false;
    markChoices();
  });
  window.StudioUploader.mount(picker.querySelector(".uploader"), {
    onVideo: function (video) { choose(video); search(); }
  });
  search();
  refresh();
})();
