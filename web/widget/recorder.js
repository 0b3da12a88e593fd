// Voice messages recorded in the browser with MediaRecorder.

const TYPES = [
  ['audio/webm;codecs=opus', 'webm'],
  ['audio/webm', 'webm'],
  ['audio/ogg;codecs=opus', 'ogg'],
  ['audio/mp4', 'mp4'],
];

export const MAX_SECONDS = 120;

// canRecord reports whether this browser can record audio.
export function canRecord() {
  return typeof MediaRecorder !== 'undefined' && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

// Recording is one recording in progress: stop() resolves to a File
// (null when cancelled).
export class Recording {
  static async start(onTick) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    return new Recording(stream, onTick);
  }

  constructor(stream, onTick) {
    this.stream = stream;
    const [type, ext] = TYPES.find(([t]) => MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(t)) || ['', 'webm'];
    this.ext = ext;
    this.rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    this.type = this.rec.mimeType || type || 'audio/webm';
    this.chunks = [];
    this.rec.ondataavailable = (e) => e.data && e.data.size && this.chunks.push(e.data);
    this.started = Date.now();
    this.done = new Promise((resolve) => { this.rec.onstop = resolve; });
    this.rec.start(250);
    // onTick(seconds) is called four times a second; the caller stops the
    // recording at MAX_SECONDS.
    this.tick = setInterval(() => onTick(this.seconds()), 250);
  }

  seconds() {
    return Math.floor((Date.now() - this.started) / 1000);
  }

  async finish(keep) {
    clearInterval(this.tick);
    if (this.rec.state !== 'inactive') this.rec.stop();
    await this.done;
    this.stream.getTracks().forEach((t) => t.stop());
    if (!keep || !this.chunks.length) return null;
    const type = this.type.split(';')[0];
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
    return new File(this.chunks, `message-vocal-${stamp}.${this.ext}`, { type });
  }

  stop() {
    return this.finish(true);
  }

  cancel() {
    return this.finish(false);
  }
}

// clock formats seconds as m:ss.
export function clock(s) {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
