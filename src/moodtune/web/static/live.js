// moodtune live mode: with the camera on, read the face about twice a second, smooth the
// reading, show it moving, and change the music only when the mood has shifted and held.
// Frames go to the server only as reading requests (POST /api/emotion) and are never stored.
// The clock and timers are injected (LiveLoop's `clock`), so the logic runs in tests
// without real waits.
"use strict";

(function () {
  // --- the logic, without the page --------------------------------------------------------

  // Exponential moving average of readings, and the decision when to refresh the music.
  class LiveMood {
    constructor({ alpha = 0.5, shift = 0.25, hold = 3000 } = {}) {
      this.alpha = alpha; // weight of the newest reading
      this.shift = shift; // total-variation distance that counts as a new mood
      this.hold = hold; // ms the new mood must last before the music follows
      this.smoothed = null;
      this.anchor = null; // what the music was last chosen for
      this.since = null; // when the mood first differed from the anchor
    }

    static distance(a, b) {
      let total = 0;
      for (const name of Object.keys(a)) total += Math.abs(a[name] - (b[name] || 0));
      return total / 2;
    }

    // Feed one reading ({emotion: p}) taken at `now` (ms); returns whether the music is due.
    update(probabilities, now) {
      if (this.smoothed === null) this.smoothed = { ...probabilities };
      else {
        for (const name of Object.keys(probabilities)) {
          this.smoothed[name] = this.alpha * probabilities[name] + (1 - this.alpha) * (this.smoothed[name] || 0);
        }
      }
      if (this.anchor === null) return true;
      if (LiveMood.distance(this.smoothed, this.anchor) < this.shift) { this.since = null; return false; }
      if (this.since === null) this.since = now;
      return now - this.since >= this.hold;
    }

    // The music now follows the current mood.
    settle() { this.anchor = { ...this.smoothed }; this.since = null; }
  }

  // Time in ms and timers; tests pass their own.
  const REAL_CLOCK = {
    now: () => performance.now(),
    setTimeout: (run, ms) => window.setTimeout(run, ms),
    clearTimeout: (id) => window.clearTimeout(id),
  };

  // The loop: capture → read → update → maybe recommend, every `interval` ms, one at a time;
  // paused while the document is hidden.
  class LiveLoop {
    constructor({ capture, read, onReading, onRefresh, onError, mood = new LiveMood(),
      interval = 500, clock = REAL_CLOCK, doc = document }) {
      Object.assign(this, { capture, read, onReading, onRefresh, onError, mood, interval, clock, doc });
      this.timer = null;
      this.running = false;
      this.inFlight = false; // a tick is reading: it schedules the next one itself
      this.visibility = () => (this.doc.hidden ? this.pause() : this.resume());
    }

    start() {
      this.running = true;
      this.doc.addEventListener("visibilitychange", this.visibility);
      this.resume();
    }

    stop() {
      this.running = false;
      this.doc.removeEventListener("visibilitychange", this.visibility);
      this.pause();
    }

    pause() {
      if (this.timer !== null) this.clock.clearTimeout(this.timer);
      this.timer = null;
    }

    resume() {
      if (this.running && this.timer === null && !this.inFlight && !this.doc.hidden) this.schedule(0);
    }

    schedule(delay) { this.timer = this.clock.setTimeout(() => this.tick(), delay); }

    async tick() {
      const started = this.clock.now();
      this.timer = null;
      this.inFlight = true;
      try {
        const frame = await this.capture();
        if (frame && this.running) {
          const reading = await this.read(frame);
          if (this.running) await this.take(reading);
        }
      } catch (error) {
        if (this.onError) this.onError(error);
      }
      this.inFlight = false;
      if (this.running && this.timer === null && !this.doc.hidden) {
        const spent = this.clock.now() - started;
        this.schedule(Math.max(0, this.interval - spent));
      }
    }

    async take(reading) {
      const due = this.mood.update(reading.probabilities, this.clock.now());
      this.onReading(reading, this.mood.smoothed);
      if (due && await this.onRefresh(this.mood.smoothed) !== false) this.mood.settle();
    }
  }

  window.moodtuneLive = { LiveMood, LiveLoop };

  // --- the page ---------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const toggle = $("live-toggle");
  const app = window.moodtune;
  if (!toggle || !app) return;
  let loop = null;
  let stream = null;
  const canvas = document.createElement("canvas");

  // A frame of the camera, at most 480 px wide, as a JPEG Blob (kept in memory only).
  function capture() {
    const video = $("camera-video");
    if (!video.videoWidth) return Promise.resolve(null);
    const scale = Math.min(1, 480 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  }

  function showReading(reading, smoothed) {
    const faces = reading.faces.length;
    app.showReading(reading, smoothed,
      faces ? "live from the camera · smoothed over the last seconds" : "live · no face in view");
    toggle.dataset.readings = String(Number(toggle.dataset.readings || 0) + 1);
  }

  async function refresh(smoothed) {
    if (app.isBusy()) return false; // try again with the next reading
    await app.recommendFor(smoothed);
    // What the music followed, in order (for a look from outside: tests, a curious listener).
    const top = Object.entries(smoothed).sort((a, b) => b[1] - a[1])[0][0];
    toggle.dataset.moods = [toggle.dataset.moods, top].filter(Boolean).join(" ");
    return true;
  }

  async function start() {
    app.clearError();
    if (!navigator.mediaDevices?.getUserMedia) {
      app.showError("This browser cannot use a camera here (it needs https or localhost).");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
    } catch (error) {
      app.showError(`The camera could not be opened: ${error.message || error.name}.`);
      return;
    }
    $("camera-video").srcObject = stream;
    $("camera").hidden = false;
    $("camera").classList.add("live");
    $("drop-hint").hidden = true;
    $("live-status").hidden = false;
    toggle.setAttribute("aria-pressed", "true");
    toggle.textContent = "Stop live mode";
    $("camera-open").disabled = true;
    loop = new LiveLoop({ capture, read: app.readFrame, onReading: showReading, onRefresh: refresh,
      onError: (error) => app.showError(`Live reading paused: ${error.message}`) });
    loop.start();
  }

  function stop() {
    if (loop) loop.stop();
    loop = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    $("camera").hidden = true;
    $("camera").classList.remove("live");
    $("live-status").hidden = true;
    toggle.setAttribute("aria-pressed", "false");
    toggle.textContent = "Live mode";
    $("camera-open").disabled = false;
  }

  toggle.addEventListener("click", () => (loop ? stop() : start()));
})();
