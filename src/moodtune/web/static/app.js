// moodtune page: pick, drop, paste or snap a photo; ask /api/recommend; show mood and music.
// Plain JavaScript, no build step. Every request goes to this server only.
"use strict";

(function () {
  // The emotions and their emoji come from the server (the picker's buttons).
  const EMOJI = Object.fromEntries([...document.querySelectorAll("#picker [data-emotion]")]
    .map((b) => [b.dataset.emotion, b.dataset.emoji]));
  const SOURCE = {
    face: (r) => `read from ${r.faces.length === 1 ? "a face" : r.faces.length + " faces"}`,
    scene: () => "estimated from the colours of the scene (no face found)",
    text: () => "read from your words",
    combined: (r) => (r.faces.length ? "from the face and your words" : "from the scene and your words"),
  };

  const $ = (id) => document.getElementById(id);
  const form = $("mood-form");
  const fileInput = $("file");
  const dropzone = $("dropzone");
  const submit = $("submit");
  const maxBytes = Number(form.dataset.maxBytes);
  const maxMb = form.dataset.maxMb;
  let photo = null; // the Blob to send
  let photoUrl = null;
  let stream = null;
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  // An http(s) URL as a URL object, else null (any other scheme is never linked).
  function webUrl(value) {
    if (!value) return null;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url : null;
    } catch (error) { return null; }
  }

  function pct(value) { return `${Math.round(value * 100)}%`; }
  function shown(value) { return value > 0 && value < 0.005 ? "<1%" : pct(value); }
  function topOf(probabilities) {
    return Object.entries(probabilities || {}).sort((a, b) => b[1] - a[1])[0]?.[0] || null;
  }

  // --- errors and loading --------------------------------------------------------------------
  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest", behavior: calm ? "auto" : "smooth" });
  }
  function clearError() { $("error").hidden = true; $("error").textContent = ""; }
  // After a failed request nothing of an earlier answer stays on screen.
  function clearResults() {
    $("reading").hidden = true;
    $("results").hidden = true;
    $("tracks").replaceChildren();
    $("bars").replaceChildren();
    $("face-boxes").replaceChildren();
    $("status").replaceChildren(el("p", { class: "muted empty", text: "Nothing to show yet." }));
  }
  let busy = false;
  function setBusy(state) {
    busy = state;
    form.setAttribute("aria-busy", busy ? "true" : "false");
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    for (const button of [submit, ...document.querySelectorAll("#picker button")]) {
      button.setAttribute("aria-disabled", busy ? "true" : "false");
    }
    if (busy) {
      $("status").replaceChildren(el("p", { class: "loading" },
        el("span", { class: "spinner", "aria-hidden": "true" }),
        el("span", { text: "Reading the mood and choosing music…" })));
    }
  }

  // --- the photo -----------------------------------------------------------------------------
  function setPhoto(blob, caption) {
    clearError();
    if (!blob) return;
    if (!/^image\/(jpeg|png|webp|gif|bmp)$/.test(blob.type)) {
      showError(`That file is not a JPEG, PNG, WebP, GIF or BMP image (${blob.type || "unknown type"}).`);
      return;
    }
    if (blob.size > maxBytes) {
      showError(`That photo is ${(blob.size / 1048576).toFixed(1)} MB; the limit is ${maxMb} MB.`);
      return;
    }
    photo = blob;
    if (photoUrl) URL.revokeObjectURL(photoUrl);
    photoUrl = URL.createObjectURL(blob);
    $("photo-img").src = photoUrl;
    $("face-boxes").replaceChildren();
    $("photo-caption").textContent = caption || blob.name || "";
    $("photo").hidden = false;
    $("drop-hint").hidden = true;
    dropzone.dataset.state = "photo";
    $("pick").textContent = "Choose another…";
  }

  $("pick").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    if (fileInput.files.length) setPhoto(fileInput.files[0]);
    fileInput.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    dropzone.addEventListener(name, (event) => {
      event.preventDefault();
      dropzone.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    dropzone.addEventListener(name, () => dropzone.classList.remove("dragging"));
  }
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) setPhoto(file);
  });
  document.addEventListener("paste", (event) => {
    const item = [...(event.clipboardData?.items || [])].find((i) => i.type.startsWith("image/"));
    if (item) setPhoto(item.getAsFile(), "pasted image");
  });

  // --- the camera ----------------------------------------------------------------------------
  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    $("camera").hidden = true;
    $("camera-open").disabled = false;
    $("drop-hint").hidden = !!photo;
  }
  $("camera-open").addEventListener("click", async () => {
    clearError();
    if (!navigator.mediaDevices?.getUserMedia) {
      showError("This browser cannot use a camera here (it needs https or localhost).");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
    } catch (error) {
      showError(`The camera could not be opened: ${error.message || error.name}.`);
      return;
    }
    $("camera-video").srcObject = stream;
    $("camera").hidden = false;
    $("drop-hint").hidden = true;
    $("camera-open").disabled = true;
    $("camera-snap").focus();
  });
  $("camera-cancel").addEventListener("click", stopCamera);
  $("camera-snap").addEventListener("click", () => {
    const video = $("camera-video");
    if (!video.videoWidth) { showError("The camera has no picture yet; try again in a moment."); return; }
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => {
      stopCamera();
      if (blob) setPhoto(new File([blob], "snapshot.jpg", { type: "image/jpeg" }), "camera snapshot");
      $("submit").focus();
    }, "image/jpeg", 0.92);
  });

  // --- asking the API ------------------------------------------------------------------------
  async function errorText(response) {
    try {
      const data = await response.json();
      if (data && data.detail) return String(data.detail);
    } catch (_) { /* not JSON */ }
    return `The server answered ${response.status} ${response.statusText}.`;
  }

  // One request at a time: a second press while busy does nothing.
  async function ask(request, picked, tracksOnly = false) {
    if (busy) return;
    clearError();
    setBusy(true);
    for (const button of document.querySelectorAll("#picker button")) {
      button.setAttribute("aria-pressed", button === picked ? "true" : "false");
    }
    try {
      const response = await fetch("/api/recommend", request);
      if (!response.ok) throw new Error(await errorText(response));
      const data = await response.json();
      if (tracksOnly) renderTracks(data); else render(data);
    } catch (error) {
      clearResults();
      showError(error.message || "The request failed: is the server still running?");
    } finally {
      setBusy(false);
    }
  }

  function chosenK() {
    const k = Number($("k").value);
    const [kMin, kMax] = [Number($("k").min), Number($("k").max)]; // from the server
    if (!Number.isInteger(k) || k < kMin || k > kMax) {
      showError(`Tracks must be a whole number from ${kMin} to ${kMax}.`); $("k").focus(); return null;
    }
    return k;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy) return;
    clearError();
    const words = $("words").value.trim();
    if (!photo && !words) {
      showError("Choose a photo, write a few words or pick a mood first."); $("pick").focus(); return;
    }
    const k = chosenK();
    if (k === null) return;
    const body = new FormData();
    if (photo) body.append("image", photo, photo.name || "photo");
    if (words) body.append("text", words);
    body.append("mode", form.elements.mode.value);
    body.append("k", String(k));
    ask({ method: "POST", body }, null);
  });

  for (const button of document.querySelectorAll("#picker button")) {
    button.addEventListener("click", () => {
      if (busy) return;
      clearError();
      const k = chosenK();
      if (k === null) return;
      const query = { emotion: button.dataset.emotion, mode: form.elements.mode.value, k };
      ask({ method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(query) }, button);
    });
  }

  // --- showing the result --------------------------------------------------------------------
  function render(data) {
    const reading = data.reading;
    const given = { emotion: "the mood you picked", distribution: "the mood you described" };
    let source = reading ? (SOURCE[reading.source] || (() => reading.source))(reading)
      : given[data.target.given_as] || `given as ${data.target.given_as}`;
    if (reading && reading.confidence === "low") source += " · low confidence";
    showMood(reading, reading ? reading.probabilities : data.target.probabilities, source,
      reading ? reading.source : data.target.given_as);
    drawFaces(reading);
    renderTracks(data);
    // On a phone the mood is below the form: bring it into view.
    const mood = document.querySelector(".mood");
    if (mood.getBoundingClientRect().top > window.innerHeight * 0.6) {
      mood.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
    }
  }

  // The mood: the top emotion and seven bars, largest first. Bars already shown are updated
  // in place, so that a reading that changes (live mode) moves them.
  function showMood(reading, probabilities, source, sourceKind) {
    const top = topOf(probabilities);
    $("status").replaceChildren();
    $("top-emoji").textContent = EMOJI[top] || "🎵";
    $("top-name").textContent = top;
    $("source").textContent = source;
    $("source").dataset.source = sourceKind;
    const rows = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
    const existing = new Map([...$("bars").children].map((row) => [row.dataset.emotion, row]));
    $("bars").replaceChildren(...rows.map(([name, p]) => {
      const row = existing.get(name) || barRow(name);
      row.classList.toggle("top", name === top);
      row.querySelector(".bar-track").setAttribute("aria-valuenow", String(Math.round(p * 100)));
      row.querySelector(".bar-value").textContent = shown(p);
      const fill = row.querySelector(".bar-fill");
      requestAnimationFrame(() => fill.style.setProperty("width", pct(p)));
      return row;
    }));
    $("notes").replaceChildren(...((reading && reading.notes) || []).map((n) => el("li", { text: n })));
    $("reading").hidden = false;
  }

  function barRow(name) {
    return el("li", { class: `bar-row e-${name}`, "data-emotion": name },
      el("span", { class: "bar-name" }, el("span", { class: "emoji", "aria-hidden": "true", text: EMOJI[name] || "" }), ` ${name}`),
      el("span", { class: "bar-track", role: "meter", "aria-label": name, "aria-valuemin": "0",
        "aria-valuemax": "100", "aria-valuenow": "0" }, el("span", { class: "bar-fill" })),
      el("span", { class: "bar-value" }));
  }

  function drawFaces(reading) {
    const layer = $("face-boxes");
    layer.replaceChildren();
    if (!reading || !reading.image_size || !reading.faces.length || !photo) return;
    const [width, height] = reading.image_size;
    for (const face of reading.faces) {
      const [x, y, w, h] = face.box;
      const box = el("div", { class: `face-box e-${face.top}` },
        el("span", {}, el("span", { class: "emoji", text: EMOJI[face.top] || "" }), ` ${face.top}`,
          el("span", { class: "number", text: ` ${pct(face.probabilities[face.top])}` })));
      box.style.setProperty("left", `${(100 * x) / width}%`);
      box.style.setProperty("top", `${(100 * y) / height}%`);
      box.style.setProperty("width", `${(100 * w) / width}%`);
      box.style.setProperty("height", `${(100 * h) / height}%`);
      box.style.setProperty("--box", `var(--e-${face.top})`);
      layer.append(box);
    }
    spreadLabels();
  }

  // Face labels sit above their boxes; where faces are close (or the screen narrow) they
  // would cover each other: move each label down past any label already placed, and keep
  // it inside the picture.
  function spreadLabels() {
    const layer = $("face-boxes");
    const labels = [...layer.querySelectorAll(".face-box > span")];
    labels.forEach((label) => label.style.removeProperty("transform"));
    const frame = layer.getBoundingClientRect();
    const placed = [];
    const rects = labels.map((label) => [label, label.getBoundingClientRect()])
      .sort((a, b) => a[1].top - b[1].top || a[1].left - b[1].left);
    for (const [label, rect] of rects) {
      const dx = Math.min(0, frame.right - rect.right) + Math.max(0, frame.left - rect.left);
      let dy = 0;
      for (let tries = 0; tries <= placed.length; tries++) {
        const box = { left: rect.left + dx, right: rect.right + dx, top: rect.top + dy, bottom: rect.bottom + dy };
        const hit = placed.find((p) => box.left < p.right && p.left < box.right && box.top < p.bottom && p.top < box.bottom);
        if (!hit) { placed.push(box); break; }
        dy = hit.bottom - rect.top + 2;
      }
      if (dx || dy) label.style.setProperty("transform", `translate(${dx}px, ${dy}px)`);
    }
  }
  window.addEventListener("resize", () => { if (!$("reading").hidden) spreadLabels(); });

  function renderTracks(data) {
    const list = $("tracks");
    const tracks = data.tracks || [];
    const playable = tracks.filter((t) => t.audio_url).length;
    const said = data.summary || "";
    let summary = said.charAt(0).toUpperCase() + said.slice(1)
      + (tracks.length ? `; ${playable} play here.` : ".");
    if (tracks.length && tracks.length < data.k) {
      summary += ` Only ${tracks.length} of the ${data.k} asked for: the catalogue has too few`
        + " tracks (or artists) for more; add music with “moodtune catalog import”.";
    }
    $("tracks-summary").textContent = summary;
    list.replaceChildren(...tracks.map((track, i) => trackItem(track, i + 1, data)));
    shownTracks = data;
    playlistLink();
    $("results").hidden = false;
  }

  function trackItem(track, rank, data) {
    const top = topOf(track.probabilities);
    const item = el("li", { class: `track${top ? " e-" + top : ""}`, "data-track-id": track.track_id });
    const thanks = el("p", { class: "thanks", role: "status" });
    const up = el("button", { type: "button", class: "button thumb", "aria-pressed": "false",
      "aria-label": `I like ${track.title || "this track"} for this mood`, "data-liked": "true" },
      el("span", { class: "emoji", "aria-hidden": "true", text: "👍" }));
    const down = el("button", { type: "button", class: "button thumb", "aria-pressed": "false",
      "aria-label": `${track.title || "This track"} does not fit`, "data-liked": "false" },
      el("span", { class: "emoji", "aria-hidden": "true", text: "👎" }));
    for (const button of [up, down]) {
      button.addEventListener("click", () => sendFeedback(track, button.dataset.liked === "true", [up, down], button, thanks, data));
    }
    item.append(el("div", { class: "track-head" },
      el("span", { class: "track-rank", text: `${rank}.` }),
      el("div", {},
        el("h3", { class: "track-title", text: track.title || track.track_id }),
        el("span", { class: "track-artist", text: track.artist || "unknown artist" })),
      el("span", { class: "feedback" }, up, down)));
    // In words first; the numbers (the recommender's exact reason, the track's emotions) on demand.
    item.append(el("p", { class: "track-reason" },
      top ? el("span", { class: "chip", text: top }) : null, " ", track.explanation || track.reason || ""));
    const emotions = Object.entries(track.probabilities || {}).sort((a, b) => b[1] - a[1])
      .filter(([, p]) => p >= 0.05).map(([name, p]) => `${name} ${pct(p)}`).join(", ");
    item.append(el("details", { class: "numbers" },
      el("summary", { text: "Details" }),
      el("p", { text: track.reason || "" }),
      emotions ? el("p", { text: `Emotions of the track: ${emotions}.` }) : null,
      track.close === false ? el("p", { text: "A weaker match than the others." }) : null));

    // Audio elsewhere is only linked (and played by the browser when https, as the page's
    // policy allows); the server never fetches it.
    const remote = webUrl(track.remote_audio_url);
    const whole = track.audio_url || (remote && remote.protocol === "https:" ? remote.href : null);
    const source = whole || track.preview_url;
    if (source) {
      const audio = el("audio", { controls: true, preload: "none", src: source,
        "aria-label": `Play ${track.title || "this track"}${whole ? "" : " (preview)"}` });
      let counted = false;
      audio.addEventListener("play", () => {
        document.querySelectorAll("audio").forEach((other) => { if (other !== audio) other.pause(); });
        if (!counted && whole) {
          counted = true;
          // A JSON body: the server refuses plays sent any other way (another site could).
          fetch(`/api/tracks/${encodeURIComponent(track.track_id)}/played`, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
          }).catch(() => {});
        }
      });
      audio.addEventListener("error", () => {
        if (!item.querySelector(".audio-error")) item.insertBefore(el("p", { class: "error audio-error", text: "This track could not be played." }), audio.nextSibling);
      });
      item.append(audio);
    }

    const actions = el("div", { class: "track-actions" });
    if (remote) {
      actions.append(el("a", { class: "button remote-audio", href: remote.href, target: "_blank",
        rel: "noopener noreferrer", text: "Audio ↗",
        "aria-label": `Open the audio of ${track.title || "this track"} on ${remote.host}` }));
    }
    if (track.spotify_url) {
      actions.append(el("a", { class: "button spotify", href: track.spotify_url, target: "_blank",
        rel: "noopener noreferrer", text: "Open in Spotify" }));
      const embedButton = el("button", { type: "button", class: "button", "aria-expanded": "false",
        "aria-label": `Show the Spotify player for ${track.title || "this track"}`, text: "Spotify player" });
      embedButton.addEventListener("click", () => {
        const open = item.querySelector("iframe");
        if (open) { open.remove(); embedButton.setAttribute("aria-expanded", "false"); return; }
        item.append(el("iframe", { class: "spotify-embed", title: `Spotify player: ${track.title || ""}`,
          src: `https://open.spotify.com/embed/track/${encodeURIComponent(track.spotify_id)}`,
          allow: "encrypted-media", loading: "lazy" }));
        embedButton.setAttribute("aria-expanded", "true");
      });
      actions.append(embedButton);
    } else if (!source && !remote) {
      actions.append(el("span", { class: "muted no-audio", text: "No audio for this track." }));
    }
    if (actions.childElementCount) item.append(actions);
    item.append(thanks);
    return item;
  }

  async function sendFeedback(track, liked, buttons, pressed, thanks, data) {
    // The buttons stay enabled (a disabled button would lose the keyboard focus); a second
    // press while the first is on its way does nothing.
    if (pressed.dataset.sending === "true") return;
    buttons.forEach((b) => { b.dataset.sending = "true"; b.setAttribute("aria-disabled", "true"); });
    const context = { emotion: data.target.top, mode: data.mode,
      source: data.reading ? data.reading.source : data.target.given_as };
    try {
      const response = await fetch("/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ track_id: track.track_id, liked, context }),
      });
      if (!response.ok) throw new Error(await errorText(response));
      buttons.forEach((b) => b.setAttribute("aria-pressed", b === pressed ? "true" : "false"));
      thanks.textContent = liked ? "Saved — more like this next time" : "Saved — less like this next time";
    } catch (error) {
      thanks.textContent = "";
      showError(`Feedback was not saved: ${error.message}`);
    } finally {
      buttons.forEach((b) => { b.dataset.sending = "false"; b.setAttribute("aria-disabled", "false"); });
      if (document.activeElement === document.body) pressed.focus();
    }
  }

  // --- the playlist ----------------------------------------------------------------------------
  let shownTracks = null;
  function playlistLink() {
    const link = $("playlist-download");
    if (!shownTracks || !shownTracks.tracks.length) { link.removeAttribute("href"); return; }
    const kind = $("playlist-format").value;
    const title = `moodtune ${shownTracks.target.top} ${shownTracks.mode}`;
    const query = new URLSearchParams({ format: kind, title });
    for (const track of shownTracks.tracks) query.append("track", track.track_id);
    link.href = `/api/playlist?${query}`;
    link.setAttribute("download", `${title.replace(/\s+/g, "-")}.${kind}`);
  }
  $("playlist-format").addEventListener("change", playlistLink);

  // For live mode (live.js): read a frame, recommend for a distribution, show a reading.
  window.moodtune = {
    isBusy: () => busy,
    async readFrame(blob) {
      const body = new FormData();
      body.append("image", blob, "frame.jpg");
      const response = await fetch("/api/emotion", { method: "POST", body });
      if (!response.ok) throw new Error(await errorText(response));
      return response.json();
    },
    showReading(reading, probabilities, source) { showMood(reading, probabilities, source, "live"); },
    recommendFor(probabilities) {
      const k = chosenK();
      if (k === null) return Promise.resolve();
      const query = { distribution: probabilities, mode: form.elements.mode.value, k };
      return ask({ method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(query) }, null, true);
    },
    showError, clearError,
  };
})();
