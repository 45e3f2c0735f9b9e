// A parser for text/event-stream, fed the stream in arbitrary chunks: the dashboard reads
// /api/events through fetch (so that a token can go in a header, which EventSource cannot do).

export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent; // ({event, data}) for every complete event
    this.buffer = '';
    this.event = '';
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    let nl;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const eol = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone '\r' at the end might be the first half of "\r\n": wait for more.
      if (eol === 1 && this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(nl + eol);
      this.line(line);
    }
  }

  line(line) {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // a comment: heartbeats, the daemon's goodbye
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
