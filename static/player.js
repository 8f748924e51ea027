// Progressive enhancement of the native <video>: HLS (native or hls.js, loaded lazily), a captions
// language menu, an audio track menu, storyboard scrub previews, chapters (marks on the bar, a menu, titles in the
// preview), ?t= / #t= start times and keyboard control (playback-beacons.js reports what readers saw).
// Without JavaScript the native player with its MP4 source and caption tracks still works.
(function () {
  "use strict";
  var HLS_TYPE = "application/vnd.apple.mpegurl";

  function startHls(figure, video) {
    var url = figure.dataset.hls;
    if (!url) { figure.dataset.engine = "mp4"; return; }
    if (video.canPlayType(HLS_TYPE) && nativeAudioChoice(figure, video)) {
      figure.dataset.engine = "native-hls"; figure.dispatchEvent(new Event("player:engine")); return;
    }
    if (!(window.Hls && window.Hls.isSupported())) { figure.dataset.engine = "mp4"; return; }
    var hls = new window.Hls({ capLevelToPlayerSize: true, startPosition: startTime(video) });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (data.fatal) {
        hls.destroy(); figure.hlsPlayer = null;
        video.src = video.querySelector("source[type='video/mp4']").src; figure.dataset.engine = "mp4";
        figure.dispatchEvent(new Event("player:engine"));
      }
    });
    figure.hlsPlayer = hls;
    hls.loadSource(url);
    hls.attachMedia(video);
    figure.dataset.engine = "hls.js";
    figure.dispatchEvent(new Event("player:engine"));
  }

  // Start streaming only when the player comes near the viewport (or is played).
  function lazily(figure, video, start) {
    var started = false;
    function once() { if (!started) { started = true; start(figure, video); } }
    video.addEventListener("play", once, { once: true });
    if (!("IntersectionObserver" in window)) { once(); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { observer.disconnect(); once(); }
    }, { rootMargin: "200px" });
    observer.observe(figure);
  }

  // "?t=90", "#t=90", "t=1m30s" or "t=1:30" on the page's URL: where playing starts (any page with a player).
  function requestedStart() {
    var value = new URLSearchParams(location.search).get("t") ||
      new URLSearchParams(location.hash.replace(/^#/, "")).get("t");
    if (!value) return null;
    var seconds = null, parts = value.match(/^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/);
    if (/^\d+(:\d{1,2}){1,2}(\.\d+)?$/.test(value)) {
      seconds = value.split(":").reduce(function (total, part) { return total * 60 + Number(part); }, 0);
    } else if (parts && value !== "") {
      seconds = Number(parts[1] || 0) * 3600 + Number(parts[2] || 0) * 60 + Number(parts[3] || 0);
    }
    return seconds !== null && isFinite(seconds) && seconds >= 0 ? seconds : null;
  }

  function startTime(video) {
    var t = requestedStart();
    return t === null ? -1 : Math.min(t, isFinite(video.duration) ? Math.max(0, video.duration - 0.1) : t);
  }

  // Each new source (the MP4, then HLS) starts at t until the reader has played something.
  function setupStartTime(video) {
    if (requestedStart() === null) return;
    function seek() { if (video.played.length === 0 || video.currentTime < 0.01) video.currentTime = startTime(video); }
    video.addEventListener("loadedmetadata", seek);
    if (video.readyState >= 1) seek();
  }

  function setupCaptions(figure, video) {
    var select = figure.querySelector(".captions-select");
    // The chapters track is not a caption language: the menu and "c" leave it alone.
    var tracks = Array.prototype.filter.call(video.textTracks, function (t) { return t.kind !== "chapters" && t.kind !== "metadata"; });
    var last = 0;
    function show(index) {
      for (var i = 0; i < tracks.length; i++) tracks[i].mode = i === index ? "showing" : "disabled";
      if (select) select.value = index === null ? "" : String(index);
      if (index !== null) last = index;
    }
    function current() {
      for (var i = 0; i < tracks.length; i++) if (tracks[i].mode === "showing") return i;
      return null;
    }
    if (select) {
      var initial = current();
      if (initial === null) {
        var def = video.querySelector("track[default]");
        initial = def ? Array.prototype.indexOf.call(video.querySelectorAll("track:not([kind=chapters])"), def) : null;
      }
      show(initial);
      select.addEventListener("change", function () { show(select.value === "" ? null : Number(select.value)); });
    }
    return function toggle() { show(current() === null ? last : null); };
  }

  // Audio tracks (languages, dubs, audio description; docs/AUDIO.md): the menu shows when there is
  // more than one. A remembered choice wins, then the reader's languages (navigator.languages), then
  // the video's default; audio description is offered but only ever chosen by the reader.
  var AUDIO_CHOICE_KEY = "videodesk.audio";

  function rememberedAudio() {
    try { return JSON.parse(localStorage.getItem(AUDIO_CHOICE_KEY) || "null"); } catch (e) { return null; }
  }

  function rememberAudio(option) {
    try {
      localStorage.setItem(AUDIO_CHOICE_KEY, JSON.stringify({ lang: option.dataset.lang, kind: option.dataset.kind }));
    } catch (e) { /* storage refused (private mode): the choice lasts for this page only */ }
  }

  function preferredAudio(options) {
    var stored = rememberedAudio();
    var remembered = stored && options.filter(function (o) {
      return o.dataset.lang === stored.lang && o.dataset.kind === stored.kind;
    })[0];
    if (remembered) return remembered;
    var spoken = options.filter(function (o) { return o.dataset.kind === "main" || o.dataset.kind === "dub"; });
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    for (var i = 0; i < wanted.length; i++) {
      var tag = String(wanted[i]).toLowerCase();
      var found = spoken.filter(function (o) { return o.dataset.lang.toLowerCase() === tag; })[0] ||
        spoken.filter(function (o) { return o.dataset.lang.toLowerCase().split("-")[0] === tag.split("-")[0]; })[0];
      if (found) return found;
    }
    return options.filter(function (o) { return o.hasAttribute("data-default"); })[0] || options[0];
  }

  function sameTrack(option, lang, name) {
    return (lang || "") === option.dataset.lang && (name || "") === option.dataset.name;
  }

  // The chosen track on whichever engine plays: hls.js's audioTracks, native HLS's video.audioTracks;
  // the MP4 fallback carries the main track only, so the menu goes.
  function applyAudio(figure, video, option) {
    var hls = figure.hlsPlayer;
    if (hls) {
      var index = hls.audioTracks.findIndex(function (t) { return sameTrack(option, t.lang, t.name); });
      if (index >= 0 && hls.audioTrack !== index) hls.audioTrack = index;
    } else if (video.audioTracks && video.audioTracks.length) {
      for (var i = 0; i < video.audioTracks.length; i++) {
        var track = video.audioTracks[i];
        track.enabled = sameTrack(option, track.language, track.label);
      }
    }
    figure.dataset.audio = option.value;
  }

  // Native HLS switches audio only where the browser exposes video.audioTracks (Safari); elsewhere
  // (Chromium's native HLS) a video with several tracks plays through hls.js when it can.
  function nativeAudioChoice(figure, video) {
    return !figure.querySelector(".audio-select") || !!video.audioTracks || !(window.Hls && window.Hls.isSupported());
  }

  function setupAudio(figure, video) {
    var select = figure.querySelector(".audio-select");
    if (!select) return;
    var options = Array.prototype.slice.call(select.options);
    select.value = preferredAudio(options).value;
    function apply() { applyAudio(figure, video, select.options[select.selectedIndex]); }
    select.addEventListener("change", function () { rememberAudio(select.options[select.selectedIndex]); apply(); });
    figure.addEventListener("player:engine", function () {
      select.closest(".audio-choice").hidden = figure.dataset.engine === "mp4";
      if (figure.hlsPlayer) figure.hlsPlayer.on(window.Hls.Events.MANIFEST_PARSED, apply);
    });
    video.addEventListener("loadedmetadata", apply);
    if (video.audioTracks && video.audioTracks.addEventListener) video.audioTracks.addEventListener("addtrack", apply);
  }

  // WebVTT cues as {start, end, text} (enough of the format for our storyboard and chapter files).
  function parseCues(text) {
    var cues = [];
    text.replace(/\r/g, "").split("\n\n").forEach(function (block) {
      var lines = block.trim().split("\n");
      var at = lines.findIndex(function (l) { return l.indexOf("-->") > 0; });
      if (at < 0) return;
      var times = lines[at].split("-->").map(function (t) {
        var p = t.trim().split(/\s/)[0].split(":").map(Number);
        return p.length === 3 ? p[0] * 3600 + p[1] * 60 + p[2] : p[0] * 60 + p[1];
      });
      cues.push({ start: times[0], end: times[1], text: lines.slice(at + 1).join("\n") });
    });
    return cues;
  }

  function parseStoryboard(text, base) {
    return parseCues(text).filter(function (cue) { return cue.text.indexOf("#xywh=") > 0; }).map(function (cue) {
      var parts = cue.text.split("#xywh=");
      var xywh = parts[1].split(",").map(Number);
      return { start: cue.start, end: cue.end, url: new URL(parts[0], base).href, x: xywh[0], y: xywh[1], w: xywh[2], h: xywh[3] };
    });
  }

  function cueAt(cues, time) {
    return cues.filter(function (c) { return time >= c.start && time < c.end; })[0];
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // Chapter marks on the bar and a chapter menu, from the kind="chapters" track.
  function setupChapters(figure, video, chapters) {
    var scrub = figure.querySelector(".scrub");
    var duration = Number(figure.dataset.duration) || video.duration;
    chapters.slice(1).forEach(function (chapter) {
      var mark = document.createElement("span");
      mark.className = "chapter-mark";
      mark.style.left = (chapter.start / duration) * 100 + "%";
      scrub.appendChild(mark);
    });
    var label = document.createElement("label");
    label.className = "chapters-choice";
    label.textContent = "Chapter";
    var select = document.createElement("select");
    select.className = "chapters-select";
    chapters.forEach(function (chapter, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = clock(chapter.start) + " " + chapter.text;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { video.currentTime = chapters[Number(select.value)].start; });
    video.addEventListener("timeupdate", function () {
      var current = cueAt(chapters, video.currentTime);
      if (current && document.activeElement !== select) select.value = String(chapters.indexOf(current));
    });
    label.appendChild(select);
    figure.querySelector(".player-bar").appendChild(label);
    figure.dataset.chapters = String(chapters.length);
  }

  function setupScrub(figure, video) {
    var bar = figure.querySelector(".player-bar");
    var range = figure.querySelector(".scrub-range");
    var preview = figure.querySelector(".scrub-preview");
    var label = figure.querySelector(".scrub-time");
    var chapterLabel = figure.querySelector(".scrub-chapter");
    bar.hidden = false;
    var cues = [];
    var chapters = [];
    var chaptersTrack = video.querySelector("track[kind=chapters]");
    if (chaptersTrack) {
      fetch(new URL(chaptersTrack.getAttribute("src"), location.href)).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) { chapters = parseCues(text); if (chapters.length) setupChapters(figure, video, chapters); });
    }
    if (figure.dataset.storyboard) {
      var url = new URL(figure.dataset.storyboard, location.href);
      fetch(url).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) { cues = parseStoryboard(text, url); });
    }
    video.addEventListener("loadedmetadata", function () { if (isFinite(video.duration)) range.max = video.duration; });
    video.addEventListener("timeupdate", function () { if (!range.matches(":active")) range.value = video.currentTime; });
    range.addEventListener("input", function () { video.currentTime = Number(range.value); });
    function showPreview(time, fraction) {
      var cue = cueAt(cues, time);
      var chapter = cueAt(chapters, time);
      preview.hidden = false;
      label.textContent = clock(time);
      if (chapterLabel) chapterLabel.textContent = chapter ? chapter.text : "";
      preview.style.left = Math.min(Math.max(fraction, 0), 1) * 100 + "%";
      if (cue) {
        preview.style.width = cue.w + "px";
        preview.style.height = cue.h + "px";
        preview.style.backgroundImage = "url(\"" + cue.url + "\")";
        preview.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
      }
    }
    range.addEventListener("pointermove", function (event) {
      var rect = range.getBoundingClientRect();
      var fraction = (event.clientX - rect.left) / rect.width;
      showPreview(fraction * Number(range.max), fraction);
    });
    range.addEventListener("focus", function () { showPreview(Number(range.value), Number(range.value) / Number(range.max)); });
    range.addEventListener("input", function () { showPreview(Number(range.value), Number(range.value) / Number(range.max)); });
    ["pointerleave", "blur", "change"].forEach(function (name) {
      range.addEventListener(name, function () { preview.hidden = true; });
    });
  }

  function setupKeys(figure, video, toggleCaptions) {
    figure.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.target.tagName === "SELECT" || (event.target.tagName === "INPUT" && event.key.indexOf("Arrow") === 0)) return;
      var handled = true;
      switch (event.key) {
        case " ": case "k": if (video.paused) { video.play(); } else { video.pause(); } break;
        case "ArrowLeft": video.currentTime = Math.max(0, video.currentTime - 5); break;
        case "ArrowRight": video.currentTime = Math.min(video.duration || Infinity, video.currentTime + 5); break;
        case "ArrowUp": video.volume = Math.min(1, video.volume + 0.1); break;
        case "ArrowDown": video.volume = Math.max(0, video.volume - 0.1); break;
        case "m": video.muted = !video.muted; break;
        case "c": toggleCaptions(); break;
        case "f":
          if (document.fullscreenElement) { document.exitFullscreen(); } else if (figure.requestFullscreen) { figure.requestFullscreen(); }
          break;
        default: handled = false;
      }
      if (handled) { event.preventDefault(); event.stopPropagation(); }
    }, true);
  }

  document.querySelectorAll("[data-player]").forEach(function (figure) {
    var video = figure.querySelector("video");
    var toggleCaptions = setupCaptions(figure, video);
    setupStartTime(video);
    setupScrub(figure, video);
    setupKeys(figure, video, toggleCaptions);
    setupAudio(figure, video);
    lazily(figure, video, startHls);
  });
})();
