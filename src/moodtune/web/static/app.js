// moodtune page: pick, drop, paste or snap a photo, write words or pick a mood; ask
// /api/recommend; show mood and music. Plain JavaScript modules, no build step. Every
// request goes to this server only.
import { $, calm, clearError, el, errorText, showError } from "./dom.js";
import { drawFaces, showMood } from "./mood.js";
import { renderTracks } from "./tracks.js";

const SOURCE = {
  face: (r) => `read from ${r.faces.length === 1 ? "a face" : r.faces.length + " faces"}`,
  scene: () => "estimated from the colours of the scene (no face found)",
  text: () => "read from your words",
  combined: (r) => (r.faces.length ? "from the face and your words" : "from the scene and your words"),
};

const form = $("mood-form");
const fileInput = $("file");
const dropzone = $("dropzone");
const submit = $("submit");
const maxBytes = Number(form.dataset.maxBytes);
const maxMb = form.dataset.maxMb;
let photo = null; // the Blob to send
let photoUrl = null;
let stream = null;
// The mood picked in the picker, and whether it (not the photo or words) is what "Find
// music" asks for: the last thing the person chose wins.
let picked = null;
let usePicked = false;
function choosePicked(button) {
  picked = button ? button.dataset.emotion : null;
  usePicked = !!button;
  for (const other of document.querySelectorAll("#picker button")) {
    other.setAttribute("aria-pressed", other === button ? "true" : "false");
  }
}

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
  choosePicked(null);
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

async function ask(request, tracksOnly = false) {
  if (busy) return;
  clearError();
  setBusy(true);
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

function chosenCap() {
  const input = $("artist-cap");
  const cap = Number(input.value);
  if (!Number.isInteger(cap) || cap < 0 || cap > Number(input.max)) {
    showError(`Per artist must be a whole number from 0 (no limit) to ${input.max}.`);
    input.focus(); return null;
  }
  return cap;
}

// The picked mood as JSON, in the mode chosen now; kept in the mood journal.
function askPicked() {
  const k = chosenK();
  const cap = k === null ? null : chosenCap();
  if (cap === null) return;
  const query = { emotion: picked, mode: form.elements.mode.value, k, artist_cap: cap, journal: true };
  ask({ method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(query) });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (busy) return;
  clearError();
  // The text inputs of the senses (the page renders one per sense that reads text).
  const sensed = [...document.querySelectorAll("input[data-sense]")]
    .map((input) => [input.name, input.value.trim()]).filter(([, value]) => value);
  if (picked && (usePicked || (!photo && !sensed.length))) { askPicked(); return; }
  if (!photo && !sensed.length) {
    showError("Choose a photo, write a few words or pick a mood first."); $("pick").focus(); return;
  }
  const k = chosenK();
  const cap = k === null ? null : chosenCap();
  if (cap === null) return;
  const body = new FormData();
  if (photo) body.append("image", photo, photo.name || "photo");
  for (const [name, value] of sensed) body.append(name, value);
  body.append("mode", form.elements.mode.value);
  body.append("k", String(k));
  body.append("artist_cap", String(cap));
  body.append("journal", "true");
  ask({ method: "POST", body });
});

for (const button of document.querySelectorAll("#picker button")) {
  button.addEventListener("click", () => {
    if (busy) return;
    clearError();
    choosePicked(button);
    askPicked();
  });
}
// New words make the words (and photo) what "Find music" asks for again.
for (const input of document.querySelectorAll("input[data-sense]")) {
  input.addEventListener("input", () => { if (input.value.trim()) choosePicked(null); });
}
// Another mode: the list shown was for the old one, so it goes; the mood chosen stays.
for (const radio of form.elements.mode) {
  radio.addEventListener("change", () => {
    if ($("results").hidden) return;
    $("results").hidden = true;
    $("tracks").replaceChildren();
    $("tracks-summary").textContent = "";
    $("status").replaceChildren(el("p", { class: "muted empty",
      text: "The mode changed: press Find music for the new list." }));
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
    reading ? reading.source : data.target.given_as, data.target.notes || [],
    reading ? null : data.target.top);
  drawFaces(reading, photo);
  renderTracks(data);
  // On a phone the mood is below the form: bring it into view.
  const mood = document.querySelector(".mood");
  if (mood.getBoundingClientRect().top > window.innerHeight * 0.6) {
    mood.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
  }
}

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
    const cap = k === null ? null : chosenCap();
    if (cap === null) return Promise.resolve();
    // Live readings are not kept in the journal (one every few seconds would flood it).
    const query = { distribution: probabilities, mode: form.elements.mode.value, k, artist_cap: cap };
    return ask({ method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(query) }, true);
  },
  showError, clearError,
};
