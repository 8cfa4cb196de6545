/**
 * Syslog over a stream (RFC 6587): each frame is either octet-counted (`<len> <msg>`, §3.4.1) or
 * ends with a newline (non-transparent framing, §3.4.2). A sender may use either; the first byte
 * of each frame tells which (a digit: octet counting; `<`: a message).
 */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0)

  constructor(private readonly maxMessageBytes: number) {}

  /**
   * Adds bytes; returns the complete messages, or an error when the stream cannot be framed
   * (a frame over the size limit, or a count that is not a number): the connection should close.
   */
  push(chunk: Buffer): { messages: string[] } | { error: string } {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const messages: string[] = []
    let pos = 0
    while (pos < this.buf.length) {
      const c = this.buf[pos]
      if (c === 0x0a || c === 0x0d || c === 0x00) { pos++; continue }
      if (c >= 0x30 && c <= 0x39) {
        const sp = this.buf.indexOf(0x20, pos)
        if (sp < 0) {
          if (this.buf.length - pos > 10) return { error: 'an octet count longer than 10 digits' }
          break
        }
        const countText = this.buf.toString('latin1', pos, sp)
        if (!/^\d{1,10}$/.test(countText)) return { error: `"${countText.slice(0, 20)}" is not an octet count` }
        const len = Number(countText)
        if (len > this.maxMessageBytes) return { error: `a ${len}-byte message is over the limit of ${this.maxMessageBytes} bytes` }
        if (this.buf.length < sp + 1 + len) break
        messages.push(this.buf.toString('utf8', sp + 1, sp + 1 + len))
        pos = sp + 1 + len
      } else {
        const nl = this.buf.indexOf(0x0a, pos)
        if (nl < 0) {
          if (this.buf.length - pos > this.maxMessageBytes) return { error: `a line over the limit of ${this.maxMessageBytes} bytes` }
          break
        }
        messages.push(this.buf.toString('utf8', pos, nl))
        pos = nl + 1
      }
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos)
    return { messages }
  }

  /** What is left when the peer closes: a last line without its newline is still a message. */
  end(): string[] {
    const rest = this.buf.toString('utf8').trim()
    this.buf = Buffer.alloc(0)
    return rest === '' || /^\d+ /.test(rest) ? [] : [rest]
  }
}
