// The tracks card: each track with its explanation, player, links and 👍/👎; the playlist.
import { $, clip, el, errorText, pct, showError, topOf, webUrl } from "./dom.js";

let shownTracks = null; // the last answer shown, for the playlist link and the counts
// Timers for the Spotify player's load timeout; a test may put its own clock here.
const clock = window.moodtuneClock || { setTimeout: (f, ms) => window.setTimeout(f, ms) };
//: How long Spotify's player may take to load before the page says it did not.
const EMBED_TIMEOUT_MS = 8000;

// "4 play here, 6 on Spotify": how the tracks play, from each track's `playback`.
function playCounts(tracks) {
  const count = (kind) => tracks.filter((t) => t.playback === kind).length;
  const parts = [`${count("local")} play here`];
  if (count("spotify")) parts.push(`${count("spotify")} on Spotify`);
  if (count("web")) parts.push(`${count("web")} from the web`);
  if (count("none")) parts.push(`${count("none")} with no audio`);
  let said = parts.join(", ");
  if (!navigator.onLine && count("spotify") + count("web")) {
    said += " (you are offline: only the tracks that play here can be heard now)";
  }
  return said;
}

function summarise(data) {
  const tracks = data.tracks || [];
  const said = data.summary || "";
  let summary = said.charAt(0).toUpperCase() + said.slice(1)
    + (tracks.length ? `; ${playCounts(tracks)}.` : ".");
  if (tracks.length && tracks.length < data.k) {
    summary += ` Only ${tracks.length} of the ${data.k} asked for: the catalogue has too few`
      + " tracks for more (or the per-artist limit leaves no more: set it to 0 for none);"
      + " add your music with “moodtune catalog add-audio”.";
  }
  $("tracks-summary").textContent = summary;
}

export function renderTracks(data) {
  const tracks = data.tracks || [];
  shownTracks = data;
  summarise(data);
  $("tracks").replaceChildren(...tracks.map((track, i) => trackItem(track, i + 1, data)));
  playlistLink();
  const save = $("spotify-save");
  if (save) save.hidden = !tracks.some((t) => t.spotify_id);
  if ($("spotify-saved")) $("spotify-saved").textContent = "";
  $("results").hidden = false;
}

// Going on- or offline changes what the Spotify tracks can do: say so at once.
for (const name of ["online", "offline"]) {
  window.addEventListener(name, () => {
    if (!shownTracks || $("results").hidden) return;
    summarise(shownTracks);
    for (const slot of document.querySelectorAll("#tracks .spotify-slot")) fillSpotify(slot);
  });
}

function trackItem(track, rank, data) {
  const top = track.chip || topOf(track.probabilities);
  const item = el("li", { class: `track${top ? " e-" + top : ""}`, "data-track-id": track.track_id,
    "data-playback": track.playback || "none" });
  const thanks = el("p", { class: "thanks", role: "status" });
  const title = track.title || track.track_id;
  item.append(el("div", { class: "track-head" },
    el("span", { class: "track-rank", text: `${rank}.` }),
    el("div", { class: "track-names" },
      el("h3", { class: "track-title", text: clip(title), title: clip(title, 300) }),
      el("span", { class: "track-artist", text: clip(track.artist || "unknown artist"),
        title: clip(track.artist || "", 300) || null })),
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
  if (track.spotify_url) {
    const slot = el("div", { class: "spotify-slot" });
    slot.track = track;
    fillSpotify(slot);
    item.append(slot);
  }
  item.append(thanks);
  return item;
}

function thumbs(track, thanks, data) {
  const name = clip(track.title || "", 80);
  const up = el("button", { type: "button", class: "button thumb", "aria-pressed": "false",
    "aria-label": `I like ${name || "this track"} for this mood`, "data-liked": "true" },
    el("span", { class: "emoji", "aria-hidden": "true", text: "👍" }));
  const down = el("button", { type: "button", class: "button thumb", "aria-pressed": "false",
    "aria-label": `${name || "This track"} does not fit`, "data-liked": "false" },
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
    "aria-label": `Play ${clip(track.title || "this track", 80)}${whole ? "" : " (preview)"}` });
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
      "aria-label": `Open the audio of ${clip(track.title || "this track", 80)} on ${remote.host}` }));
  }
  if (track.spotify_url) {
    actions.append(el("a", { class: "button spotify", href: track.spotify_url, target: "_blank",
      rel: "noopener noreferrer", text: "Open in Spotify" }));
  } else if (!source && !remote) {
    actions.append(el("span", { class: "muted no-audio", text: "No audio for this track." }));
  }
  return actions;
}

// Spotify's player, or why it cannot show: offline (navigator.onLine), or the player did
// not load in time. Never an empty grey box.
function fillSpotify(slot) {
  const track = slot.track;
  const name = clip(track.title || "this track", 80);
  if (!navigator.onLine) {
    // A track that plays here needs no word about Spotify; the others say why they are silent.
    slot.replaceChildren(track.playback === "local" ? "" : el("p", { class: "muted spotify-offline",
      text: "Plays on Spotify, which needs the internet: you are offline." }));
    return;
  }
  const button = el("button", { type: "button", class: "button spotify-player",
    "aria-expanded": "false", "aria-label": `Show the Spotify player for ${name}`,
    text: "Spotify player" });
  button.addEventListener("click", () => {
    const open = slot.querySelector("iframe, .spotify-offline");
    if (open) { open.remove(); button.setAttribute("aria-expanded", "false"); return; }
    const frame = el("iframe", { class: "spotify-embed", title: `Spotify player: ${name}`,
      src: `https://open.spotify.com/embed/track/${encodeURIComponent(track.spotify_id)}`,
      allow: "encrypted-media", loading: "lazy" });
    let loaded = false;
    const failed = () => {
      if (loaded || !frame.isConnected) return;
      frame.replaceWith(el("p", { class: "muted spotify-offline",
        text: "Spotify's player did not load (no internet, or Spotify is not reachable)." }));
    };
    frame.addEventListener("load", () => { if (navigator.onLine) loaded = true; else failed(); });
    frame.addEventListener("error", failed);
    clock.setTimeout(failed, EMBED_TIMEOUT_MS);
    slot.append(frame);
    button.setAttribute("aria-expanded", "true");
  });
  slot.replaceChildren(button);
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
  // The journal's copy of the list carries its scores and reasons into the file.
  if (shownTracks.request_id) {
    link.href = `/api/journal/${shownTracks.request_id}/playlist?${query}`;
  } else {
    for (const track of shownTracks.tracks) query.append("track", track.track_id);
    link.href = `/api/playlist?${query}`;
  }
  link.setAttribute("download", `${title.replace(/\s+/g, "-")}.${kind}`);
}
$("playlist-format").addEventListener("change", playlistLink);

// Save to Spotify (the button is there only when this computer is logged in to Spotify).
$("spotify-save")?.addEventListener("click", async () => {
  const said = $("spotify-saved");
  if (!shownTracks || !shownTracks.request_id) return;
  const button = $("spotify-save");
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  said.textContent = "Saving…";
  try {
    const response = await fetch("/api/spotify/playlist", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ request: shownTracks.request_id,
        name: `moodtune ${shownTracks.target.top} ${shownTracks.mode}` }),
    });
    if (!response.ok) throw new Error(await errorText(response));
    const saved = await response.json();
    const left = saved.left_out ? ` (${saved.left_out} without a Spotify id left out)` : "";
    said.replaceChildren(`Saved ${saved.added} tracks to Spotify${left}. `,
      saved.url ? el("a", { href: saved.url, target: "_blank", rel: "noopener noreferrer", text: "Open it" }) : "");
  } catch (error) {
    said.textContent = "";
    showError(`Not saved to Spotify: ${error.message}`);
  } finally {
    button.setAttribute("aria-disabled", "false");
  }
});
