// moodtune mood journal (on the history page): the requests for music grouped into
// sessions, a small plot of moods over time (inline SVG), and each past list played again
// or exported as a playlist. Plain JavaScript, no library.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const box = $("journal");
  const EMOJI = JSON.parse(box.dataset.emoji || "{}");
  const SOURCE = { photo: "from a photo", words: "from your words",
    "photo+words": "from a photo and words", picked: "picked", described: "described" };
  const MODE = { match: "match it", uplift: "lift it up", calm: "calm it down" };
  // The plot's rows, brightest mood on top; a mood word not listed gets a row below.
  const ROWS = ["happiness", "surprise", "neutral", "fear", "anger", "disgust", "sadness"];
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }
  function clip(text, most = 200) {
    const value = String(text ?? "");
    return value.length > most ? `${value.slice(0, most - 1)}…` : value;
  }
  function when(iso, options) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString([], options);
  }

  // --- the plot ------------------------------------------------------------------------------
  function plot(requests) {
    const figure = $("mood-plot");
    figure.querySelector("svg")?.remove();
    if (requests.length < 1) { figure.hidden = true; return; }
    const ordered = [...requests].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const rows = [...ROWS, ...new Set(ordered.map((r) => r.emotion).filter((e) => !ROWS.includes(e)))];
    // As wide as the figure is shown (so its 12 px labels stay readable on a phone).
    const width = Math.max(300, Math.min(900, Math.round(figure.parentElement.clientWidth) || 640));
    const [left, right, top, step] = [width < 480 ? 96 : 118, 14, 12, 22];
    const height = top * 2 + step * (rows.length - 1);
    const first = Date.parse(ordered[0].at);
    const span = Math.max(1, Date.parse(ordered[ordered.length - 1].at) - first);
    const x = (r) => (ordered.length === 1 ? (left + width - right) / 2
      : left + ((Date.parse(r.at) - first) / span) * (width - left - right));
    const y = (r) => top + step * rows.indexOf(r.emotion);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `Moods over time: ${ordered.length} requests, from ${when(ordered[0].at)}` });
    rows.forEach((name, i) => {
      chart.append(svg("line", { class: "lane", x1: left, x2: width - right, y1: top + step * i, y2: top + step * i }));
      chart.append(svg("text", { x: 4, y: top + step * i + 4, text: `${EMOJI[name] || "🎵"} ${clip(name, 12)}` }));
    });
    chart.append(svg("polyline", { class: "path", points: ordered.map((r) => `${x(r)},${y(r)}`).join(" ") }));
    for (const r of ordered) {
      chart.append(svg("circle", { class: `e-${r.emotion}`, cx: x(r), cy: y(r), r: 5, "data-request-id": r.id },
        svg("title", { text: `${when(r.at)}: ${r.emotion}, ${MODE[r.mode] || r.mode}` })));
    }
    figure.prepend(chart);
    figure.hidden = false;
  }

  // --- the sessions --------------------------------------------------------------------------
  function exportLink(request) {
    const kind = $("journal-format").value;
    const title = `moodtune ${request.emotion} ${request.mode}`;
    return `/api/journal/${request.id}/playlist?${new URLSearchParams({ format: kind, title })}`;
  }

  function session(group) {
    const start = when(group.start, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    const end = when(group.end, { hour: "2-digit", minute: "2-digit" });
    const count = group.requests.length;
    return el("section", { class: "session" },
      el("h2", { text: `${start}${count > 1 ? `–${end}` : ""} · ${count} ${count === 1 ? "request" : "requests"}` }),
      el("ol", { class: "journal-requests" }, ...group.requests.map(requestItem)));
  }

  function requestItem(request) {
    const read = request.confidence != null && !["picked", "described"].includes(request.source);
    const sure = read ? ` (${Math.round(request.confidence * 100)}%)` : "";
    const again = el("button", { type: "button", class: "button play-again", "aria-expanded": "false",
      text: "Play again" });
    const link = el("a", { class: "button export", href: exportLink(request), download: "", text: "Export" });
    const item = el("li", { class: `journal-request e-${request.emotion}`, "data-request-id": request.id },
      el("div", { class: "journal-head" },
        el("span", { class: "emoji", "aria-hidden": "true", text: EMOJI[request.emotion] || "🎵" }),
        el("span", { class: "what" },
          el("strong", { text: `${request.emotion}${sure}` }),
          el("span", { class: "muted", text: ` ${SOURCE[request.source] || request.source} · ${MODE[request.mode] || request.mode} · ${request.tracks.length} tracks · ` }),
          el("time", { class: "muted", datetime: request.at, text: when(request.at, { hour: "2-digit", minute: "2-digit" }) })),
        again, link));
    item.request = request;
    again.addEventListener("click", () => replay(item, again));
    return item;
  }

  // The list as it was given: each track plays here (one after the other) or says where.
  function replay(item, button) {
    const open = item.querySelector(".journal-tracks");
    if (open) {
      open.querySelectorAll("audio").forEach((a) => a.pause());
      open.remove(); button.setAttribute("aria-expanded", "false"); button.textContent = "Play again";
      return;
    }
    const list = el("ol", { class: "journal-tracks" }, ...item.request.tracks.map(trackItem));
    item.append(list);
    button.setAttribute("aria-expanded", "true");
    button.textContent = "Hide the list";
    const players = [...list.querySelectorAll("audio")];
    players.forEach((audio, i) => audio.addEventListener("ended", () => players[i + 1]?.play()));
    players[0]?.play().catch(() => {}); // a browser may ask for another click first
  }

  function trackItem(track) {
    const title = track.title || track.track_id;
    const item = el("li", { class: "journal-track", "data-track-id": track.track_id, "data-playback": track.playback },
      el("span", { title: clip(title, 300) }, el("strong", { text: clip(title) }),
        el("span", { class: "muted", text: ` — ${clip(track.artist || "unknown artist", 120)}` })));
    if (track.playback === "local" && track.audio_url) {
      const audio = el("audio", { controls: true, preload: "none", src: track.audio_url,
        "aria-label": `Play ${clip(title, 80)}` });
      let counted = false;
      audio.addEventListener("play", () => {
        document.querySelectorAll("audio").forEach((other) => { if (other !== audio) other.pause(); });
        if (counted) return;
        counted = true;
        fetch(`/api/tracks/${encodeURIComponent(track.track_id)}/played`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
        }).catch(() => {});
      });
      item.append(audio);
    } else if (track.playback === "spotify" && track.spotify_url) {
      item.append(navigator.onLine
        ? el("a", { class: "button spotify", href: track.spotify_url, target: "_blank", rel: "noopener noreferrer", text: "Open in Spotify" })
        : el("span", { class: "muted spotify-offline", text: "Plays on Spotify, which needs the internet: you are offline." }));
    } else {
      item.append(el("span", { class: "muted no-audio", text: "No audio for this track here." }));
    }
    return item;
  }

  let shown = []; // the requests plotted, drawn again when the page's width changes
  window.addEventListener("resize", () => { if (shown.length) plot(shown); });

  async function load() {
    try {
      const response = await fetch(`/api/journal?limit=${Number(box.dataset.limit) || 200}`);
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const data = await response.json();
      box.replaceChildren(...data.sessions.map(session));
      const requests = data.sessions.flatMap((s) => s.requests);
      shown = requests;
      plot(requests);
      $("journal-status").textContent = requests.length
        ? `${requests.length} ${requests.length === 1 ? "request" : "requests"} in ${data.sessions.length} ${data.sessions.length === 1 ? "session" : "sessions"}.`
        : "Nothing yet: ask for music on the music page and it is kept here.";
    } catch (error) {
      $("journal-status").textContent = `The journal could not be read: ${error.message}`;
    }
  }

  $("journal-format").addEventListener("change", () => {
    for (const item of box.querySelectorAll(".journal-request")) {
      item.querySelector("a.export").href = exportLink(item.request);
    }
  });
  // "Clear history" (history.js) empties the journal too.
  document.addEventListener("moodtune:cleared", load);
  load();
})();
