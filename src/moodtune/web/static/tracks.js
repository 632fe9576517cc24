// The tracks card: each track with its explanation, player, links and 👍/👎; the playlist.
import { $, el, errorText, pct, showError, topOf, webUrl } from "./dom.js";

let shownTracks = null; // the last answer shown, for the playlist link

export function renderTracks(data) {
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
  item.append(el("div", { class: "track-head" },
    el("span", { class: "track-rank", text: `${rank}.` }),
    el("div", {},
      el("h3", { class: "track-title", text: track.title || track.track_id }),
      el("span", { class: "track-artist", text: track.artist || "unknown artist" })),
    thumbs(track, thanks, data)));
  // In words first; the numbers (the recommender's exact reason, the track's emotions) on demand.
  item.append(el("p", { class: "track-reason" },
    top ? el("span", { class: "chip", text: top }) : null, " ", track.explanation || track.reason || ""));
  item.append(numbers(track));
  // Audio elsewhere is only linked (and played by the browser when https, as the page's
  // policy allows); the server never fetches it.
  const remote = webUrl(track.remote_audio_url);
  const whole = track.audio_url || (remote && remote.protocol === "https:" ? remote.href : null);
  const source = whole || track.preview_url;
  if (source) item.append(player(track, item, source, whole));
  const actions = links(track, item, remote, source);
  if (actions.childElementCount) item.append(actions);
  item.append(thanks);
  return item;
}

function thumbs(track, thanks, data) {
  const up = el("button", { type: "button", class: "button thumb", "aria-pressed": "false",
    "aria-label": `I like ${track.title || "this track"} for this mood`, "data-liked": "true" },
    el("span", { class: "emoji", "aria-hidden": "true", text: "👍" }));
  const down = el("button", { type: "button", class: "button thumb", "aria-pressed": "false",
    "aria-label": `${track.title || "This track"} does not fit`, "data-liked": "false" },
    el("span", { class: "emoji", "aria-hidden": "true", text: "👎" }));
  for (const button of [up, down]) {
    button.addEventListener("click", () => sendFeedback(track, button.dataset.liked === "true", [up, down], button, thanks, data));
  }
  return el("span", { class: "feedback" }, up, down);
}

function numbers(track) {
  const emotions = Object.entries(track.probabilities || {}).sort((a, b) => b[1] - a[1])
    .filter(([, p]) => p >= 0.05).map(([name, p]) => `${name} ${pct(p)}`).join(", ");
  return el("details", { class: "numbers" },
    el("summary", { text: "Details" }),
    el("p", { text: track.reason || "" }),
    emotions ? el("p", { text: `Emotions of the track: ${emotions}.` }) : null,
    track.close === false ? el("p", { text: "A weaker match than the others." }) : null);
}

function player(track, item, source, whole) {
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
  return audio;
}

function links(track, item, remote, source) {
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
  return actions;
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
