/*
 * MD5 (RFC 1321) of a string's UTF-8 bytes, as lowercase hex: what WeChat Pay's MD5 paySign needs, since WebCrypto
 * has no MD5. Defines `md5` on the global object (a plain script, no modules).
 */
(function (root) {
  'use strict';

  // Per-round shift amounts and the constants K[i] = floor(abs(sin(i + 1)) * 2^32).
  var S = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4,
    11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
  ];
  var K = [];
  for (var i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) >>> 0;

  function utf8(text) {
    return new TextEncoder().encode(String(text));
  }

  function md5(text) {
    var bytes = utf8(text);
    var length = bytes.length;
    // Padding: 0x80, zeros up to 56 mod 64, then the bit length as a little-endian 64-bit number.
    var padded = new Uint8Array((((length + 8) >>> 6) + 1) * 64);
    padded.set(bytes);
    padded[length] = 0x80;
    var bitsLow = (length * 8) >>> 0;
    var bitsHigh = Math.floor(length / 0x20000000) >>> 0;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, bitsLow, true);
    view.setUint32(padded.length - 4, bitsHigh, true);

    var a0 = 0x67452301;
    var b0 = 0xefcdab89;
    var c0 = 0x98badcfe;
    var d0 = 0x10325476;
    var M = new Array(16);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var j = 0; j < 16; j++) M[j] = view.getUint32(offset + j * 4, true);
      var A = a0;
      var B = b0;
      var C = c0;
      var D = d0;
      for (var n = 0; n < 64; n++) {
        var F;
        var g;
        if (n < 16) {
          F = (B & C) | (~B & D);
          g = n;
        } else if (n < 32) {
          F = (D & B) | (~D & C);
          g = (5 * n + 1) % 16;
        } else if (n < 48) {
          F = B ^ C ^ D;
          g = (3 * n + 5) % 16;
        } else {
          F = C ^ (B | ~D);
          g = (7 * n) % 16;
        }
        F = (F + A + K[n] + M[g]) >>> 0;
        A = D;
        D = C;
        C = B;
        B = (B + ((F << S[n]) | (F >>> (32 - S[n])))) >>> 0;
      }
      a0 = (a0 + A) >>> 0;
      b0 = (b0 + B) >>> 0;
      c0 = (c0 + C) >>> 0;
      d0 = (d0 + D) >>> 0;
    }

    var out = new DataView(new ArrayBuffer(16));
    out.setUint32(0, a0, true);
    out.setUint32(4, b0, true);
    out.setUint32(8, c0, true);
    out.setUint32(12, d0, true);
    var hex = '';
    for (var k = 0; k < 16; k++) hex += (out.getUint8(k) + 0x100).toString(16).slice(1);
    return hex;
  }

  root.md5 = md5;
})(typeof globalThis !== 'undefined' ? globalThis : this);
