// The mood card: the top emotion, the seven bars, the face boxes on the photo.
import { $, EMOJI, el, pct, shown, topOf } from "./dom.js";

// The mood: its name and seven bars, largest first. The name is `named` when given (the mood
// word picked, e.g. calm, whose weights lean to neutral), else the top emotion. Bars already
// shown are updated in place, so that a reading that changes (live mode) moves them. The
// notes: the reading's, then `more` (the answer's notes on its target, e.g. weights normalised).
export function showMood(reading, probabilities, source, sourceKind, more = [], named = null) {
  const top = topOf(probabilities);
  $("status").replaceChildren();
  $("top-emoji").textContent = EMOJI[named || top] || "🎵";
  $("top-name").textContent = named || top;
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
  const notes = [...((reading && reading.notes) || []), ...more];
  $("notes").replaceChildren(...notes.map((n) => el("li", { text: n })));
  $("reading").hidden = false;
}

function barRow(name) {
  return el("li", { class: `bar-row e-${name}`, "data-emotion": name },
    el("span", { class: "bar-name" }, el("span", { class: "emoji", "aria-hidden": "true", text: EMOJI[name] || "" }), ` ${name}`),
    el("span", { class: "bar-track", role: "meter", "aria-label": name, "aria-valuemin": "0",
      "aria-valuemax": "100", "aria-valuenow": "0" }, el("span", { class: "bar-fill" })),
    el("span", { class: "bar-value" }));
}

export function drawFaces(reading, photo) {
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
export function spreadLabels() {
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
