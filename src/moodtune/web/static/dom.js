// Small helpers shared by the page's modules: elements, numbers, errors.

export const $ = (id) => document.getElementById(id);
// The emotions and their emoji come from the server (the picker's buttons).
export const EMOJI = Object.fromEntries([...document.querySelectorAll("#picker [data-emotion]")]
  .map((b) => [b.dataset.emotion, b.dataset.emoji]));
export const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function el(tag, attrs, ...children) {
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
export function webUrl(value) {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch (error) { return null; }
}

// Long text cut to `most` characters with an ellipsis: a card shows a 100,000-character
// title as fast as a short one (the CSS clips it further to its line).
export function clip(text, most = 200) {
  const value = String(text ?? "");
  return value.length > most ? `${value.slice(0, most - 1)}…` : value;
}

export function pct(value) { return `${Math.round(value * 100)}%`; }
export function shown(value) { return value > 0 && value < 0.005 ? "<1%" : pct(value); }
export function topOf(probabilities) {
  return Object.entries(probabilities || {}).sort((a, b) => b[1] - a[1])[0]?.[0] || null;
}

// --- errors and loading --------------------------------------------------------------------
export function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest", behavior: calm ? "auto" : "smooth" });
}
export function clearError() { $("error").hidden = true; $("error").textContent = ""; }
// After a failed request nothing of an earlier answer stays on screen.
export async function errorText(response) {
  try {
    const data = await response.json();
    if (data && data.detail) return String(data.detail);
  } catch (_) { /* not JSON */ }
  return `The server answered ${response.status} ${response.statusText}.`;
}
