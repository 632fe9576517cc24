// moodtune page: pick, drop, paste or snap a photo; ask /api/recommend; show mood and music.
// Plain JavaScript, no build step. Every request goes to this server only.
"use strict";

(function () {
  const EMOJI = {
    anger: "😠", disgust: "🤢", fear: "😨", happiness: "😊",
    neutral: "😐", sadness: "😢", surprise: "😮",
  };
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
  function setBusy(busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    submit.disabled = busy;
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

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const words = $("words").value.trim();
    const k = Number($("k").value);
    if (!photo && !words) { showError("Choose a photo or write a few words first."); $("pick").focus(); return; }
    const [kMin, kMax] = [Number($("k").min), Number($("k").max)]; // from the server
    if (!Number.isInteger(k) || k < kMin || k > kMax) {
      showError(`Tracks must be a whole number from ${kMin} to ${kMax}.`); $("k").focus(); return;
    }
    const body = new FormData();
    if (photo) body.append("image", photo, photo.name || "photo");
    if (words) body.append("text", words);
    body.append("mode", form.elements.mode.value);
    body.append("k", String(k));
    setBusy(true);
    try {
      const response = await fetch("/api/recommend", { method: "POST", body });
      if (!response.ok) throw new Error(await errorText(response));
      render(await response.json());
    } catch (error) {
      $("status").replaceChildren(el("p", { class: "muted empty", text: "Nothing to show yet." }));
      showError(error.message || "The request failed: is the server still running?");
    } finally {
      setBusy(false);
    }
  });

  // --- showing the result --------------------------------------------------------------------
  function render(data) {
    const reading = data.reading;
    const probabilities = reading ? reading.probabilities : data.target.probabilities;
    const top = reading ? reading.top : data.target.top;
    $("status").replaceChildren();
    $("top-emoji").textContent = EMOJI[top] || "🎵";
    $("top-name").textContent = top;
    let source = reading ? (SOURCE[reading.source] || (() => reading.source))(reading) : `given as ${data.target.given_as}`;
    if (reading && reading.confidence === "low") source += " · low confidence";
    $("source").textContent = source;
    $("source").dataset.source = reading ? reading.source : data.target.given_as;

    const rows = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
    $("bars").replaceChildren(...rows.map(([name, p]) => {
      const fill = el("span", { class: "bar-fill" });
      const row = el("li", { class: `bar-row e-${name}${name === top ? " top" : ""}`, "data-emotion": name },
        el("span", { class: "bar-name" }, el("span", { class: "emoji", "aria-hidden": "true", text: EMOJI[name] || "" }), ` ${name}`),
        el("span", { class: "bar-track", role: "meter", "aria-label": name, "aria-valuemin": "0",
          "aria-valuemax": "100", "aria-valuenow": String(Math.round(p * 100)) }, fill),
        el("span", { class: "bar-value", text: shown(p) }));
      requestAnimationFrame(() => fill.style.setProperty("width", pct(p)));
      return row;
    }));
    $("notes").replaceChildren(...((reading && reading.notes) || []).map((n) => el("li", { text: n })));
    $("reading").hidden = false;
    drawFaces(reading);
    renderTracks(data);
    // On a phone the mood is below the form: bring it into view.
    const mood = document.querySelector(".mood");
    if (mood.getBoundingClientRect().top > window.innerHeight * 0.6) {
      mood.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
    }
  }

  function drawFaces(reading) {
    const layer = $("face-boxes");
    layer.replaceChildren();
    if (!reading || !reading.image_size || !reading.faces.length || !photo) return;
    const [width, height] = reading.image_size;
    for (const face of reading.faces) {
      const [x, y, w, h] = face.box;
      const box = el("div", { class: `face-box e-${face.top}` },
        el("span", {}, el("span", { class: "emoji", text: EMOJI[face.top] || "" }), ` ${face.top} ${pct(face.probabilities[face.top])}`));
      box.style.setProperty("left", `${(100 * x) / width}%`);
      box.style.setProperty("top", `${(100 * y) / height}%`);
      box.style.setProperty("width", `${(100 * w) / width}%`);
      box.style.setProperty("height", `${(100 * h) / height}%`);
      box.style.setProperty("--box", `var(--e-${face.top})`);
      layer.append(box);
    }
  }

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
    item.append(el("p", { class: "track-reason" },
      top ? el("span", { class: "chip", text: top }) : null, " ", track.reason || "",
      track.close === false ? el("span", { class: "weaker", text: " · a weaker match" }) : null));

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
    buttons.forEach((b) => { b.disabled = true; });
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
      thanks.textContent = liked ? "Saved — more like this" : "Saved — noted";
    } catch (error) {
      thanks.textContent = "";
      showError(`Feedback was not saved: ${error.message}`);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }
})();
