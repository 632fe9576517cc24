// moodtune history page: list plays, 👍 and 👎 (newest first), undo one, clear all.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const KIND = {
    play: { icon: "▶️", text: "Played" },
    like: { icon: "👍", text: "Liked" },
    dislike: { icon: "👎", text: "Turned down" },
  };
  const list = $("history");

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

  function showError(message) { $("error").textContent = message; $("error").hidden = false; }
  function clearError() { $("error").hidden = true; $("error").textContent = ""; }
  async function errorText(response) {
    try {
      const data = await response.json();
      if (data && data.detail) return String(data.detail);
    } catch (_) { /* not JSON */ }
    return `The server answered ${response.status} ${response.statusText}.`;
  }

  // Long names cut with an ellipsis (a 100,000-character title lists as a short one).
  function clip(text, most = 200) {
    const value = String(text ?? "");
    return value.length > most ? `${value.slice(0, most - 1)}…` : value;
  }

  function when(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  }

  function say(count) {
    $("history-status").textContent = count
      ? `${count} ${count === 1 ? "entry" : "entries"}.`
      : "Nothing yet: play a track or press 👍/👎 on the music page.";
    $("history-clear").disabled = !count;
  }

  function entry(event) {
    const kind = KIND[event.kind] || { icon: "•", text: event.kind };
    const track = event.track || {};
    const name = clip(track.title || track.track_id, 120);
    const undo = el("button", { type: "button", class: "button undo",
      "aria-label": `Undo: ${kind.text.toLowerCase()} ${name}`, text: "Undo" });
    const item = el("li", { class: `history-item kind-${event.kind}`, "data-event-id": event.id,
      "data-kind": event.kind },
      el("span", { class: "emoji history-icon", "aria-hidden": "true", text: kind.icon }),
      el("div", { class: "history-text" },
        el("strong", { text: `${kind.text}: ` }),
        el("span", { class: "track-title", text: name }),
        el("span", { class: "muted", text: ` — ${clip(track.artist || "unknown artist", 120)}` }),
        el("br"),
        el("time", { class: "muted", datetime: event.at, text: when(event.at) })),
      undo);
    undo.addEventListener("click", () => remove(event, item, undo));
    return item;
  }

  async function load() {
    clearError();
    try {
      const response = await fetch(`/api/history?limit=${Number(list.dataset.limit) || 200}`);
      if (!response.ok) throw new Error(await errorText(response));
      const data = await response.json();
      list.replaceChildren(...data.events.map(entry));
      say(data.events.length);
    } catch (error) {
      showError(`The history could not be read: ${error.message}`);
    }
  }

  async function remove(event, item, button) {
    clearError();
    button.disabled = true;
    try {
      const response = await fetch(`/api/history/${encodeURIComponent(event.id)}`, { method: "DELETE" });
      if (!response.ok && response.status !== 404) throw new Error(await errorText(response));
      // Keep the keyboard where it was: on the next entry's Undo, else the previous one.
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      say(list.children.length);
      $("history-status").textContent = `Undone. ${$("history-status").textContent}`;
      (next ? next.querySelector("button") : $("history-title")).focus();
    } catch (error) {
      button.disabled = false;
      showError(`Not undone: ${error.message}`);
    }
  }

  $("history-title").setAttribute("tabindex", "-1");
  $("history-clear").addEventListener("click", () => {
    $("history-confirm").hidden = false;
    $("history-clear-no").focus();
  });
  $("history-clear-no").addEventListener("click", () => {
    $("history-confirm").hidden = true;
    $("history-clear").focus();
  });
  $("history-clear-yes").addEventListener("click", async () => {
    clearError();
    try {
      const response = await fetch("/api/history", { method: "DELETE" });
      if (!response.ok) throw new Error(await errorText(response));
      const data = await response.json();
      list.replaceChildren();
      $("history-confirm").hidden = true;
      say(0);
      document.dispatchEvent(new CustomEvent("moodtune:cleared")); // journal.js lists again
      $("history-status").textContent = `Cleared ${data.removed} ${data.removed === 1 ? "entry" : "entries"}.`;
      $("history-title").focus();
    } catch (error) {
      showError(`The history was not cleared: ${error.message}`);
    }
  });
  load();
})();
