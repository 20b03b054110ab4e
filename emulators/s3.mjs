// The local S3: s3rver 3.7.1 behind a small compatibility front that makes it safe for AWS SDK for .NET v4.
//  - The SDK sends aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], STREAMING-UNSIGNED-PAYLOAD-TRAILER);
//    plain s3rver would store the chunk framing inside the object and answer 200. The front decodes them first.
//  - x-amz-copy-source arrives URL-encoded; s3rver expects it decoded.
//  - Buckets are created at start-up (idempotently) with CORS for browser uploads from the site's origin.
//  - s3rver's "event" emitter (AWS-shaped S3 notification records) is forwarded over HTTP to MyBlog.LocalAws.
//  - Presigned URLs (query-string SigV4) are checked as S3 checks them, before the body is read: the signature over the
//    signed headers — so a Content-Length the API signed is the only size the URL accepts — and the expiry.
// Usage: node s3.mjs  (PORT, S3_DIRECTORY, S3_RESET, S3_BUCKETS=a,b,c, S3_CORS_ORIGINS, S3_EVENTS_URL, S3_EVENTS_BUCKETS from the environment)
import { createHash, createHmac } from "node:crypto";
import { rmSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const S3rver = require("s3rver");

const port = Number(process.env.PORT ?? 4569);
const host = process.env.S3_HOST ?? "127.0.0.1";
const directory = process.env.S3_DIRECTORY ?? "./.s3";
const buckets = (process.env.S3_BUCKETS ?? "").split(",").map((b) => b.trim()).filter(Boolean);
const corsOrigins = (process.env.S3_CORS_ORIGINS ?? "http://localhost:8080").split(",").map((o) => o.trim()).filter(Boolean);
// One receiver, or several (comma-separated, in order of preference: the regions' LocalAws with the home region
// first): an event goes to the first that takes it, as a region's uploads go to a region that is up.
const eventsUrls = (process.env.S3_EVENTS_URL ?? "").split(",").map((u) => u.trim()).filter(Boolean);
const eventsBuckets = new Set((process.env.S3_EVENTS_BUCKETS ?? "").split(",").map((b) => b.trim()).filter(Boolean));

// A fresh run's DynamoDB Local is in memory; S3_RESET=true empties the buckets too, so the two never disagree
// (with the local data kept, Local:Persist, both keep theirs).
if (process.env.S3_RESET === "true") rmSync(directory, { recursive: true, force: true });

const escapeXml = (s) => s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]);
const cors = `<CORSConfiguration>${corsOrigins
  .map((origin) => `<CORSRule><AllowedOrigin>${escapeXml(origin)}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>`)
  .join("")}</CORSConfiguration>`;

/** Decodes an aws-chunked body: `hex-size[;chunk-signature=…]\r\n data \r\n` … `0[;…]\r\n` [trailers] `\r\n`. */
export function decodeAwsChunked(body) {
  const parts = [];
  const trailers = {};
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0) throw new Error("aws-chunked body ends inside a chunk header");
    // Strictly hex digits: parseInt would take "-5" (and walk backwards for ever) or "1g" (as 1).
    const sizeText = body.toString("latin1", offset, lineEnd).split(";")[0].trim();
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw new Error(`aws-chunked chunk size '${sizeText.slice(0, 20)}' is not a hexadecimal number`);
    const size = parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size > body.length) throw new Error("aws-chunked body is shorter than its chunks declare");
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2; // data, then CRLF
  }
  // Trailer lines (x-amz-checksum-crc32:…, x-amz-trailer-signature:…) until an empty line.
  for (;;) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0 || lineEnd === offset) break;
    const line = body.toString("latin1", offset, lineEnd);
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    offset = lineEnd + 2;
  }
  return { data: Buffer.concat(parts), trailers };
}

function isAwsChunked(headers) {
  const sha = String(headers["x-amz-content-sha256"] ?? "");
  const encoding = String(headers["content-encoding"] ?? "");
  return sha.startsWith("STREAMING-") || encoding.split(",").map((e) => e.trim()).includes("aws-chunked");
}

/** RFC 3986 percent-encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (text) => { try { return decodeURIComponent(text.replace(/\+/g, "%20")); } catch { return text; } };

const s3Error = (res, status, code, message) =>
  res.writeHead(status, { "content-type": "application/xml", connection: "close" })
    .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`);

/**
 * A presigned request's SigV4 check, as S3 makes it (query-string authentication, UNSIGNED-PAYLOAD): the canonical
 * request from the method, the path as sent, the sorted query without the signature, and the signed headers with the
 * values this request carries; the key from the emulator's one secret. A body longer or shorter than the signed
 * Content-Length, another content type, a changed path: SignatureDoesNotMatch, as on AWS. Null when it holds.
 */
export function checkPresigned(method, rawUrl, headers, secret, now = new Date()) {
  const [rawPath, rawQuery = ""] = rawUrl.split("?", 2);
  const pairs = rawQuery.split("&").filter(Boolean).map((p) => { const i = p.indexOf("="); return i < 0 ? [decode(p), ""] : [decode(p.slice(0, i)), decode(p.slice(i + 1))]; });
  const query = Object.fromEntries(pairs);
  const credential = (query["X-Amz-Credential"] ?? "").split("/");
  const signedHeaders = (query["X-Amz-SignedHeaders"] ?? "").split(";").filter(Boolean);
  const date = query["X-Amz-Date"] ?? "";
  if (query["X-Amz-Algorithm"] !== "AWS4-HMAC-SHA256" || credential.length !== 5 || !/^\d{8}T\d{6}Z$/.test(date) || !signedHeaders.includes("host")) {
    return ["AuthorizationQueryParametersError", "The presigned URL's X-Amz-* parameters are incomplete."];
  }
  const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
  if (now.getTime() > signedAt + Number(query["X-Amz-Expires"] ?? 0) * 1000) return ["AccessDenied", "Request has expired"];
  const canonicalQuery = pairs.filter(([k]) => k !== "X-Amz-Signature").map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join("&");
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${String(headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalRequest = [method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders.join(";"), "UNSIGNED-PAYLOAD"].join("\n");
  const scope = credential.slice(1).join("/");
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  let key = `AWS4${secret}`;
  for (const part of [credential[1], credential[2], credential[3], "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return signature === query["X-Amz-Signature"]
    ? null
    : ["SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."];
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function forwardEvent(event) {
  if (eventsUrls.length === 0) return;
  // Only buckets with a notification configured raise events (the site bucket's thousands of writes do not).
  const bucket = event.Records?.[0]?.s3?.bucket?.name;
  if (eventsBuckets.size > 0 && !eventsBuckets.has(bucket)) return;
  const body = JSON.stringify(event);
  for (let attempt = 1; attempt <= 5; attempt++) {
    for (const eventsUrl of eventsUrls) {
      try {
        // A receiver that is down may hold the connection open rather than refuse it: give up on it after 5 s.
        const response = await fetch(eventsUrl, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(5000) });
        if (response.ok) return;
        console.error(`S3 event forward to ${eventsUrl} answered ${response.status} (attempt ${attempt})`);
      } catch (error) {
        console.error(`S3 event forward to ${eventsUrl} failed (attempt ${attempt}): ${error.message}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
  }
}

const s3rver = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  allowMismatchedSignatures: true,
  configureBuckets: buckets.map((name) => ({ name, configs: [cors] })),
});
s3rver.on("event", (event) => void forwardEvent(event));
const { port: innerPort } = await s3rver.run();

const front = http.createServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/_emulator/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    const headers = { ...req.headers };
    // A browser's CORS preflight carries the URL but not the request: S3 answers it from the bucket's CORS rules.
    if (req.method !== "OPTIONS" && req.url.includes("X-Amz-Signature=")) {
      const refused = checkPresigned(req.method, req.url, headers, "S3RVER");
      if (refused) {
        // Refused before the body is read, as S3 does: a 5 GB PUT to a URL signed for 1 MB costs nothing.
        s3Error(res, 403, ...refused);
        return;
      }
    }
    let body = await readBody(req);
    if (isAwsChunked(headers)) {
      const decoded = decodeAwsChunked(body);
      body = decoded.data;
      const declared = headers["x-amz-decoded-content-length"];
      if (declared !== undefined && Number(declared) !== body.length) {
        res.writeHead(400, { "content-type": "application/xml" }).end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>IncompleteBody</Code><Message>Decoded ${body.length} bytes, expected ${declared}</Message></Error>`);
        return;
      }
      const encodings = String(headers["content-encoding"] ?? "").split(",").map((e) => e.trim()).filter((e) => e && e !== "aws-chunked");
      if (encodings.length) headers["content-encoding"] = encodings.join(","); else delete headers["content-encoding"];
      delete headers["x-amz-decoded-content-length"];
      delete headers["x-amz-trailer"];
      delete headers["transfer-encoding"];
      headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      Object.assign(headers, decoded.trailers);
    }
    if (headers["x-amz-copy-source"]) headers["x-amz-copy-source"] = decodeURIComponent(String(headers["x-amz-copy-source"]));
    if (body.length > 0 || req.method === "PUT" || req.method === "POST") headers["content-length"] = String(body.length);
    delete headers["expect"];

    const upstream = http.request({ host: "127.0.0.1", port: innerPort, method: req.method, path: req.url, headers }, (inner) => {
      res.writeHead(inner.statusCode ?? 502, inner.headers);
      inner.pipe(res);
    });
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`S3 emulator error: ${error.message}`);
    });
    upstream.end(body);
  } catch (error) {
    if (!res.headersSent) res.writeHead(400, { "content-type": "application/xml" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>${escapeXml(error.message)}</Message></Error>`);
  }
});
// A client that asks "Expect: 100-continue" (the AWS SDKs do for PUTs) hears a refusal before it sends a byte of
// the body, as S3 answers it; without this handler Node would say "continue" to every request unseen.
front.on("checkContinue", (req, res) => {
  if (req.method !== "OPTIONS" && req.url.includes("X-Amz-Signature=")) {
    const refused = checkPresigned(req.method, req.url, { ...req.headers }, "S3RVER");
    if (refused) {
      s3Error(res, 403, ...refused);
      return;
    }
  }
  res.writeContinue();
  front.emit("request", req, res);
});
front.listen(port, host, () => {
  console.log(`S3 emulator (s3rver 3.7.1) listening on http://${host}:${port}; buckets: ${buckets.join(", ") || "(none)"}; store: ${directory}`);
});

const stop = async () => {
  front.close();
  await s3rver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
