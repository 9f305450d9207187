// One media message of the core: a 12-byte little-endian header, the subscription mid, and
// a whole VP8 frame or one Opus packet.
//
//   0 u8 kind (0 video, 1 audio)   1 u8 flags (bit 0: key frame; bit 1: messages were lost
//   just before this one)          2 u16 mid length n
//   4 u32 RTP timestamp            8 u32 arrival, ms since the subscription began
//   12 mid (n bytes UTF-8)         12+n payload

export const VIDEO = 0;
export const AUDIO = 1;

const HEADER = 12;
const utf8 = new TextDecoder();

export type Packet = {
  kind: number;
  key: boolean;
  mid: string;
  /** The RTP timestamp as sent: 32 bits, wrapping. */
  rtp: number;
  arrival: number;
  payload: Uint8Array;
};

/** The kind byte, without parsing the rest; null for a message too short to be one. */
export function packetKind(buffer: ArrayBuffer): number | null {
  return buffer.byteLength < HEADER ? null : (new Uint8Array(buffer, 0, 1)[0] ?? null);
}

/** Messages were dropped on the way here just before this one. */
export function lostBefore(buffer: ArrayBuffer): boolean {
  return buffer.byteLength >= HEADER && ((new Uint8Array(buffer, 1, 1)[0] ?? 0) & 2) === 2;
}

export function parsePacket(buffer: ArrayBuffer): Packet | null {
  if (buffer.byteLength < HEADER) return null;
  const view = new DataView(buffer);
  const n = view.getUint16(2, true);
  if (HEADER + n > buffer.byteLength) return null;
  return {
    kind: view.getUint8(0),
    key: (view.getUint8(1) & 1) === 1,
    rtp: view.getUint32(4, true),
    arrival: view.getUint32(8, true),
    mid: utf8.decode(new Uint8Array(buffer, HEADER, n)),
    payload: new Uint8Array(buffer, HEADER + n),
  };
}

/**
 * Unwraps a stream's 32-bit RTP timestamps into one growing count: each step is taken as
 * the shorter way round the 2^32 circle, so wraps and slightly reordered packets both work.
 */
export class RtpClock {
  private last: number | null = null;
  private value = 0;

  next(rtp: number): number {
    if (this.last !== null) {
      let step = (rtp - this.last) >>> 0;
      if (step >= 0x80000000) step -= 0x100000000;
      this.value += step;
    } else {
      this.value = rtp;
    }
    this.last = rtp;
    return this.value;
  }
}
