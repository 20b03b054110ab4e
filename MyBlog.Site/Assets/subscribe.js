// Progressive enhancement of the subscribe form. Every subscribe carries a small proof of work that the API checks
// without storing anything (MyBlog.Core SubscribeChallenge): a nonce such that SHA-256(challenge ":" email ":" nonce)
// starts with the challenge's number of zero bits. A person's browser finds one in a fraction of a second; a script
// subscribing thousands of addresses pays for each one.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("subscribe");
  const status = document.getElementById("subscribe-status");
  if (!form || !window.fetch) return;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    status.className = "";
    status.textContent = "Subscribing…";
    try {
      const email = form.email.value;
      const challenge = await (await fetch("/api/subscribers/challenge", { headers: { "Accept": "application/json" } })).json();
      const nonce = await solve(challenge.challenge, email, challenge.difficulty);
      const response = await fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ email, name: form.name.value || null, challenge: challenge.challenge, nonce }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status === 202) {
        status.textContent = "Thanks! Check your inbox for an email to confirm your subscription.";
        form.reset();
      } else {
        status.className = "error";
        const messages = body.errors ? Object.values(body.errors).flat() : [body.detail || "Something went wrong. Please try again."];
        status.textContent = messages.join(" ");
      }
    } catch {
      status.className = "error";
      status.textContent = "Could not reach the server. Please try again.";
    } finally {
      button.disabled = false;
    }
  });
});

// The nonce, searched in slices so the page stays responsive while it works.
async function solve(challenge, email, difficulty) {
  if (!difficulty) return "0";
  const prefix = new TextEncoder().encode(`${challenge}:${email}:`);
  const hasher = new PrefixedSha256(prefix);
  for (let nonce = 0; ; nonce++) {
    if (leadingZeroBits(hasher.digest(String(nonce))) >= difficulty) return String(nonce);
    if (nonce % 20000 === 19999) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function leadingZeroBits(words) {
  let bits = 0;
  for (const word of words) {
    if (word === 0) { bits += 32; continue; }
    return bits + Math.clz32(word);
  }
  return bits;
}

// SHA-256 (FIPS 180-4) of a fixed prefix followed by a short ASCII suffix: the prefix's whole 64-byte blocks are
// hashed once, so each try hashes only the last block or two.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

class PrefixedSha256 {
  constructor(prefix) {
    this.state = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64);
    const whole = prefix.length - (prefix.length % 64);
    for (let offset = 0; offset < whole; offset += 64) this.compress(this.state, prefix, offset);
    this.rest = prefix.slice(whole);
    this.length = prefix.length;
    this.tail = new Uint8Array(128);
  }

  digest(suffix) {
    const tail = this.tail;
    tail.fill(0);
    tail.set(this.rest);
    let n = this.rest.length;
    for (let i = 0; i < suffix.length; i++) tail[n++] = suffix.charCodeAt(i);
    const bits = (this.length + suffix.length) * 8;
    tail[n++] = 0x80;
    const blocks = n + 8 > 64 ? 2 : 1;
    const end = blocks * 64;
    tail[end - 4] = bits >>> 24; tail[end - 3] = bits >>> 16; tail[end - 2] = bits >>> 8; tail[end - 1] = bits;
    const state = this.state.slice();
    for (let b = 0; b < blocks; b++) this.compress(state, tail, b * 64);
    return state;
  }

  compress(h, bytes, offset) {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
  }
}
