// The editor: plain JavaScript against the admin API. Signed in by an HttpOnly session cookie the page never sees;
// every change carries the session's CSRF token, which only this page can read (from /api/auth/session).
const $ = (id) => document.getElementById(id);
const state = { csrf: null, me: null, slug: null, etag: null, status: null, cover: null, kind: "post" };

async function api(method, path, body, extraHeaders = {}) {
  const headers = { ...extraHeaders };
  if (method !== "GET" && state.csrf) headers["X-MyBlog-CSRF"] = state.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const messages = data && data.errors ? Object.values(data.errors).flat() : [data && (data.detail || data.title) || response.statusText];
    const error = new Error(messages.join(" "));
    error.status = response.status;
    // The session ended (revoked, expired, or its person removed): back to the sign-in page.
    if (response.status === 401 && state.me && path.startsWith("/api/admin/")) signedOut("Your session has ended; sign in again.");
    throw error;
  }
  return { data, etag: response.headers.get("ETag") };
}

function say(message, isError = false) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

function when(at) { return at ? new Date(at).toLocaleString() : "never"; }

function showOnly(id) {
  for (const panel of ["sign-in", "setup", "workspace"]) $(panel).hidden = panel !== id;
  $("sign-out").hidden = id !== "workspace";
}

function signedOut(message = "") {
  Object.assign(state, { csrf: null, me: null });
  $("signed-in-as").textContent = "";
  showOnly("sign-in");
  $("sign-in-status").textContent = "";
  $("sign-in-error").textContent = message;
}

// Where the browser stands: signed in, or not (and whether the blog has its owner yet).
async function boot() {
  const token = new URLSearchParams(location.hash.slice(1)).get("sign-in");
  if (token) {
    history.replaceState(null, "", location.pathname); // the link works once: never keep it in the address bar
    try {
      const { data } = await api("POST", "/api/auth/email-link/redeem", { token });
      return enter(data);
    } catch (error) {
      signedOut(error.message);
      return;
    }
  }
  const { data } = await api("GET", "/api/auth/session");
  if (data.signedIn) return enter(data);
  if (!data.setUp) { showOnly("setup"); $("setup-code").focus(); return; }
  signedOut();
}

async function enter(session) {
  Object.assign(state, { csrf: session.csrf, me: session.staff });
  const owner = session.staff.role === "owner";
  for (const element of document.querySelectorAll(".owner-only")) element.hidden = !owner;
  // Back after a session ended mid-edit: what was being written is still there, to be saved now.
  const resumed = state.slug || $("title").value || $("markdown").value;
  if (!resumed) newPost();
  await refreshLists();
  if (owner) refreshSubscriberCounts().catch(() => {});
  // Shown only when ready, so nothing typed in the first moment is wiped by the set-up above; the name with it, so
  // "signed in as" never shows beside a workspace that is not there yet (or never will be: a session ended meanwhile).
  $("signed-in-as").textContent = `${session.staff.name} (${session.staff.role})`;
  showOnly("workspace");
  showView("editor");
  if (resumed) say("Signed in again: save to keep your changes.");
  $("title").focus();
}

async function signInWithPasskey() {
  $("sign-in-error").textContent = "";
  try {
    const { data: challenge } = await api("POST", "/api/auth/passkey/options");
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(challenge.options) });
    const { data } = await api("POST", "/api/auth/passkey", { challengeId: challenge.challengeId, credential: credential.toJSON() });
    await enter(data);
  } catch (error) {
    $("sign-in-error").textContent = error.name === "NotAllowedError" ? "No passkey was chosen." : error.message;
  }
}

async function requestLink(event) {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  try {
    const { data } = await api("POST", "/api/auth/email-link", { email: $("sign-in-email").value });
    $("sign-in-status").textContent = data.message;
  } catch (error) {
    $("sign-in-error").textContent = error.message;
  }
}

async function setUp(event) {
  event.preventDefault();
  $("setup-error").textContent = "";
  try {
    const { data } = await api("POST", "/api/auth/setup", { setupCode: $("setup-code").value, name: $("setup-name").value, email: $("setup-email").value });
    await enter(data);
    await openAccount();
    $("account-status").textContent = "Welcome! Add a passkey now, so that you can sign in with this device next time.";
  } catch (error) {
    $("setup-error").textContent = error.message;
  }
}

async function signOut() {
  try { await api("POST", "/api/auth/sign-out"); } catch { /* signed out either way */ }
  newPost(); // nothing of this person's stays on the page for whoever signs in next
  signedOut();
}

// One row of a table: its cells' texts, and optional buttons at the end.
function row(cells, ...buttons) {
  const tr = document.createElement("tr");
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  const last = document.createElement("td");
  for (const button of buttons.filter(Boolean)) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = button.label;
    b.setAttribute("aria-label", button.aria || button.label);
    b.addEventListener("click", button.onClick);
    last.append(b, " ");
  }
  tr.append(last);
  return tr;
}

async function openAccount() {
  showView("account");
  $("account-who").textContent = `Signed in as ${state.me.name} <${state.me.email}>, ${state.me.role}.`;
  $("new-key-value").textContent = "";
  await refreshAccount();
}

async function refreshAccount() {
  const [passkeys, sessions, keys] = await Promise.all(["passkeys", "sessions", "keys"].map((what) => api("GET", `/api/admin/account/${what}`)));
  $("passkey-list").tBodies[0].replaceChildren(...passkeys.data.items.map((p) => row([p.name, when(p.createdAt), when(p.lastUsedAt)],
    { label: "Remove", aria: `Remove passkey ${p.name}`, onClick: () => accountAction("DELETE", `/api/admin/account/passkeys/${encodeURIComponent(p.id)}`, "Passkey removed.") })));
  $("session-list").tBodies[0].replaceChildren(...sessions.data.items.map((s) => row(
    [s.current ? `${s.agent} (this browser)` : s.agent, s.via, when(s.createdAt), when(s.lastSeenAt)],
    s.current ? null : { label: "Sign out", aria: `Sign out the browser signed in ${when(s.createdAt)}`, onClick: () => accountAction("DELETE", `/api/admin/account/sessions/${s.id}`, "That browser is signed out.") })));
  $("key-list").tBodies[0].replaceChildren(...keys.data.items.map((k) => row([k.name, when(k.createdAt), when(k.lastUsedAt)],
    { label: "Revoke", aria: `Revoke key ${k.name}`, onClick: () => accountAction("DELETE", `/api/admin/account/keys/${k.id}`, "Key revoked.") })));
}

async function accountAction(method, path, done) {
  try {
    await api(method, path);
    $("account-status").textContent = done;
    await refreshAccount();
  } catch (error) {
    $("account-status").textContent = error.message;
  }
}

async function addPasskey() {
  try {
    const { data: challenge } = await api("POST", "/api/admin/account/passkeys/options");
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(challenge.options) });
    await api("POST", "/api/admin/account/passkeys", { challengeId: challenge.challengeId, name: $("passkey-name").value || "Passkey", credential: credential.toJSON() });
    $("account-status").textContent = "Passkey added: next time, sign in with it.";
    await refreshAccount();
  } catch (error) {
    $("account-status").textContent = error.name === "NotAllowedError" ? "No passkey was made." : error.message;
  }
}

async function createKey(event) {
  event.preventDefault();
  try {
    const { data } = await api("POST", "/api/admin/account/keys", { name: $("key-name").value });
    const code = document.createElement("code");
    code.textContent = data.key;
    $("new-key-value").replaceChildren("Your new key (copy it now: it is not shown again): ", code);
    $("key-name").value = "";
    await refreshAccount();
  } catch (error) {
    $("account-status").textContent = error.message;
  }
}

async function openStaff() {
  showView("staff");
  const { data } = await api("GET", "/api/admin/staff");
  $("staff-list").tBodies[0].replaceChildren(...data.items.map((p) => {
    const other = p.role === "owner" ? "author" : "owner";
    return row([p.name, p.email, p.role, p.signedInAt ? `signed in ${when(p.signedInAt)}` : "invited"],
      p.signedInAt ? null : { label: "Resend invitation", aria: `Resend the invitation to ${p.name}`, onClick: () => resendInvitation(p) },
      p.id === state.me.id ? null : { label: `Make ${other}`, aria: `Make ${p.name} an ${other}`, onClick: () => setRole(p, other) },
      p.id === state.me.id ? null : { label: "Remove", aria: `Remove ${p.name}`, onClick: () => removeStaff(p) });
  }));
}

async function setRole(person, role) {
  try {
    await api("PUT", `/api/admin/staff/${person.id}/role`, { role });
    $("staff-status").textContent = `${person.name} is now an ${role}.`;
    await openStaff();
  } catch (error) {
    $("staff-status").textContent = error.message;
  }
}

async function resendInvitation(person) {
  try {
    await api("POST", `/api/admin/staff/${person.id}/invitation`);
    $("staff-status").textContent = `A new invitation is on its way to ${person.email}.`;
  } catch (error) {
    $("staff-status").textContent = error.message;
  }
}

async function removeStaff(person) {
  if (!confirm(`Remove ${person.name}? Their sessions and API keys stop working at once.`)) return;
  try {
    await api("DELETE", `/api/admin/staff/${person.id}`);
    $("staff-status").textContent = `${person.name} was removed.`;
    await openStaff();
  } catch (error) {
    $("staff-status").textContent = error.message;
  }
}

async function invite(event) {
  event.preventDefault();
  try {
    const { data } = await api("POST", "/api/admin/staff", { name: $("invite-name").value, email: $("invite-email").value, role: $("invite-role").value });
    $("staff-status").textContent = `Invitation sent to ${data.email}.`;
    $("invite").reset();
    await openStaff();
  } catch (error) {
    $("staff-status").textContent = error.message;
  }
}

async function refreshLists() {
  const lists = [["post", "draft", "drafts"], ["post", "published", "published"], ["page", "draft", "pages"], ["page", "published", "pages"]];
  const pages = [];
  for (const [kind, status, id] of lists) {
    const { data } = await api("GET", `/api/admin/posts?kind=${kind}&status=${status}&limit=100`);
    const list = $(id);
    if (kind === "page") {
      pages.push(...data.items.map((page) => ({ ...page, title: status === "draft" ? `${page.title} (draft)` : page.title })));
      if (status === "draft") continue;
      data.items = pages;
    }
    list.replaceChildren(...data.items.map((post) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${encodeURIComponent(post.slug)}`;
      link.textContent = post.title || post.slug;
      link.dataset.slug = post.slug;
      if (post.slug === state.slug) link.setAttribute("aria-current", "true");
      link.addEventListener("click", (event) => { event.preventDefault(); open(post.slug); });
      item.append(link);
      if (post.scheduledAt) {
        const when = document.createElement("small");
        when.className = "scheduled";
        when.textContent = ` ⏰ ${new Date(post.scheduledAt).toLocaleString()}`;
        item.append(when);
      }
      return item;
    }));
  }
}

function newPost(kind = "post") {
  Object.assign(state, { slug: null, etag: null, status: null, publishedAt: null, scheduledAt: null, kind });
  $("send-email").checked = kind === "post";
  $("in-navigation").checked = kind === "page";
  watchNewsletter(null);
  watchSchedule(null);
  setCover(null);
  for (const id of ["title", "tags", "excerpt", "markdown"]) $(id).value = "";
  $("preview").replaceChildren();
  updateButtons();
  say(kind === "page" ? "New page" : "New draft");
  $("title").focus();
}

async function open(slug) {
  const { data, etag } = await api("GET", `/api/admin/posts/${encodeURIComponent(slug)}`);
  show(data, etag);
  await refreshLists();
  say(`Opened “${data.title}” (${data.status}, version ${data.version})`);
}

function show(post, etag) {
  Object.assign(state, { slug: post.slug, etag, status: post.status, publishedAt: post.publishedAt, scheduledAt: post.scheduledAt, kind: post.kind });
  $("send-email").checked = post.sendEmail;
  $("in-navigation").checked = post.inNavigation;
  watchNewsletter(post.publishedAt ? post.slug : null);
  watchSchedule(post.scheduledAt ? post.slug : null);
  $("title").value = post.title;
  $("tags").value = post.tags.join(", ");
  $("excerpt").value = post.excerpt || "";
  $("markdown").value = post.markdown;
  $("preview").innerHTML = post.html; // sanitized by the server
  setCover(post.coverPhotoId || null);
  updateButtons();
  schedulePreview(); // the server's preview renders photos as the published page will
}

function updateButtons() {
  $("publish").disabled = state.status === "published"; // a new draft is saved first, then published
  // Only the first publication emails: once published, the choice is made.
  $("send-email").disabled = Boolean(state.publishedAt);
  $("unpublish").disabled = state.status !== "published";
  $("schedule").disabled = state.status === "published";
  $("schedule-at").disabled = state.status === "published";
  $("cancel-schedule").hidden = !state.scheduledAt;
  const line = $("scheduled");
  line.hidden = !state.scheduledAt;
  line.textContent = state.scheduledAt ? `Scheduled for ${new Date(state.scheduledAt).toLocaleString()}` : "";
  $("delete").disabled = !state.slug;
  // A page has no tags and is never emailed; a post is not in the navigation.
  const page = state.kind === "page";
  for (const id of ["tags", "send-email-label", "send-test"]) $(id).hidden = page;
  $("in-navigation-label").hidden = !page;
}

function fields() {
  return {
    title: $("title").value,
    markdown: $("markdown").value,
    tags: $("tags").value.split(",").map((t) => t.trim()).filter(Boolean),
    excerpt: $("excerpt").value || null,
    coverPhotoId: state.cover,
    ...(state.kind === "page"
      ? { tags: [], kind: "page", inNavigation: $("in-navigation").checked }
      : { sendEmail: $("send-email").checked }),
  };
}

async function save() {
  try {
    const result = state.slug
      ? await api("PUT", `/api/admin/posts/${encodeURIComponent(state.slug)}`, fields(), { "If-Match": state.etag })
      : await api("POST", "/api/admin/posts", fields());
    show(result.data, result.etag);
    await refreshLists();
    say(`Saved (version ${result.data.version})`);
    return true;
  } catch (error) {
    say(error.status === 412 ? `Not saved: ${error.message}` : `Not saved: ${error.message}`, true);
    return false;
  }
}

async function setStatus(action) {
  if (!(await save())) return;
  try {
    const query = action === "publish" ? `?sendEmail=${$("send-email").checked}` : "";
    const { data, etag } = await api("POST", `/api/admin/posts/${encodeURIComponent(state.slug)}/${action}${query}`, undefined, { "If-Match": state.etag });
    show(data, etag);
    await refreshLists();
    say(action === "publish" ? `Published — live at ${data.url} in a few seconds` : "Unpublished");
  } catch (error) {
    say(error.message, true);
  }
}

// Publishing later: the time is the author's local time, sent with its offset (as UTC).
async function schedule() {
  const value = $("schedule-at").value;
  if (!value) { say("Choose when to publish first.", true); return; }
  if (!(await save())) return;
  try {
    const at = new Date(value).toISOString();
    const { data, etag } = await api("POST", `/api/admin/posts/${encodeURIComponent(state.slug)}/publish`,
      { at, sendEmail: $("send-email").checked }, { "If-Match": state.etag });
    show(data, etag);
    await refreshLists();
    say(data.status === "published" ? `Published — live at ${data.url} in a few seconds` : `Scheduled for ${new Date(data.scheduledAt).toLocaleString()}`);
  } catch (error) {
    say(error.message, true);
  }
}

async function cancelSchedule() {
  try {
    const { data, etag } = await api("DELETE", `/api/admin/posts/${encodeURIComponent(state.slug)}/schedule`, undefined, { "If-Match": state.etag });
    show(data, etag);
    await refreshLists();
    say("Schedule cancelled; the post stays a draft");
  } catch (error) {
    say(error.message, true);
  }
}

// A scheduled post open in the editor: once its time has come, see it published (every five seconds until then).
let scheduleTimer;
function watchSchedule(slug) {
  clearTimeout(scheduleTimer);
  if (!slug) return;
  const poll = async () => {
    if (state.slug !== slug) return;
    try {
      const { data, etag } = await api("GET", `/api/admin/posts/${encodeURIComponent(slug)}`);
      if (state.slug !== slug) return;
      if (data.status === "published") {
        show(data, etag);
        await refreshLists();
        say(`Published on schedule — live at ${data.url}`);
        return;
      }
    } catch (error) {
      // Away for a moment (or deleted elsewhere): keep the editor as it is.
    }
    scheduleTimer = setTimeout(poll, 5000);
  };
  scheduleTimer = setTimeout(poll, Math.max(1000, new Date(state.scheduledAt) - Date.now()));
}

// Importing an old blog: the archive goes straight to storage (like photos), then the import's results are read
// every second until it is done — or until it is plain that nobody is working on it now (a run that stopped midway
// is tried again by the queue, much later), when the editor stops waiting and says so.
const importNotStartedAfterMs = 5 * 60 * 1000;
function showView(name) {
  $("account").hidden = name !== "account";
  $("staff").hidden = name !== "staff";
  $("importer").hidden = name !== "importer";
  $("subscribers").hidden = name !== "subscribers";
  $("settings").hidden = name !== "settings";
  $("editor").hidden = name !== "editor";
}
function showImporter(visible) { showView(visible ? "importer" : "editor"); }

// The two kinds of import share the upload and the watching; what they import and how they report differ.
const importKinds = {
  archive: {
    endpoint: "/api/admin/imports", type: "application/zip", prefix: "import", unit: "files",
    summary: (job) => `Imported from ${job.format}: ${job.counts.imported} new, ${job.counts.updated} updated, ${job.counts.skipped} skipped, ${job.counts.failed} failed.`,
    kept: "the posts it brought over are kept", then: () => refreshLists(),
  },
  subscribers: {
    endpoint: "/api/admin/subscribers/imports", type: "text/csv", prefix: "subscriber-import", unit: "rows",
    summary: (job) => `Imported from ${job.format}: ${job.counts.imported} new subscribers, ${job.counts.skipped} skipped, ${job.counts.failed} refused.`,
    kept: "the subscribers it stored are kept", then: () => listSubscribers(),
  },
};

async function importFile(file, kind) {
  const status = $(`${kind.prefix}-status`);
  const progress = $(`${kind.prefix}-progress`);
  const table = $(`${kind.prefix}-results`);
  table.hidden = true;
  status.className = "";
  try {
    const { data: ticket } = await api("POST", kind.endpoint, { fileName: file.name, contentType: file.type || kind.type, size: file.size });
    progress.hidden = false;
    status.textContent = `Uploading ${file.name}…`;
    await putWithProgress(ticket, file, progress);
    progress.hidden = true;
    status.textContent = "Importing…";
    const uploadedAt = Date.now();
    for (;;) {
      const { data: job } = await api("GET", `/api/admin/imports/${ticket.importId}`);
      showImportResults(job, table);
      const read = Object.values(job.counts).reduce((a, b) => a + b, 0);
      if (job.status === "done" || job.status === "failed") {
        status.textContent = job.status === "failed" ? `The file could not be imported: ${job.error}` : kind.summary(job);
        status.className = job.status === "failed" || job.counts.failed ? "error" : "";
        await kind.then();
        return;
      }
      if (job.stalled || (job.status === "pending" && Date.now() - uploadedAt > importNotStartedAfterMs)) {
        status.textContent = job.stalled
          ? `The import stopped after ${read} ${kind.unit} without finishing. It is tried again by itself later (up to three times, the last one ending it either way); ${kind.kept}. Come back to this import later.`
          : "The import has not started. The file is uploaded and is imported when the import worker receives it; come back to it later.";
        status.className = "error";
        await kind.then();
        return;
      }
      status.textContent = `Importing… ${read} ${kind.unit} read`;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } catch (error) {
    progress.hidden = true;
    status.textContent = error.message;
    status.className = "error";
  }
}

function showImportResults(job, table) {
  const rows = job.results.map((result) => {
    const row = document.createElement("tr");
    row.className = result.status;
    const post = document.createElement("td");
    if (result.slug && result.status !== "failed") {
      const link = document.createElement("a");
      link.href = `#${encodeURIComponent(result.slug)}`;
      link.textContent = result.slug;
      link.addEventListener("click", (event) => { event.preventDefault(); showImporter(false); open(result.slug); });
      post.append(link);
    } else {
      post.textContent = result.slug || "";
    }
    for (const text of [result.file, result.status]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    row.append(post);
    const why = document.createElement("td");
    why.textContent = result.error || result.note || "";
    row.append(why);
    return row;
  });
  table.querySelector("tbody").replaceChildren(...rows);
  table.hidden = rows.length === 0;
}

// The site's settings: read with their version, saved over it (a conflict says so), photos uploaded as the editor's are.
const settingsState = { etag: null, authorPhotoId: null, socialImageId: null };
const linesOf = (links) => links.map((l) => `${l.label} ${l.url}`).join("\n");
const linksOf = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
  const space = line.lastIndexOf(" ");
  return space < 0 ? { label: line, url: "" } : { label: line.slice(0, space).trim(), url: line.slice(space + 1) };
});

async function showSettingPhoto(which, id) {
  settingsState[which] = id;
  const thumb = $(which === "authorPhotoId" ? "setting-author-photo-thumb" : "setting-social-image-thumb");
  thumb.hidden = !id;
  if (id) thumb.src = (await api("GET", `/api/admin/photos/${id}`)).data.variants[0].jpeg;
}

async function openSettings() {
  showView("settings");
  const { data, etag } = await api("GET", "/api/admin/settings");
  settingsState.etag = etag;
  $("setting-title").value = data.title;
  $("setting-description").value = data.description || "";
  $("setting-author").value = data.authorName || "";
  $("setting-language").value = data.language;
  $("setting-footer").value = data.footer || "";
  $("setting-navigation").value = linesOf(data.navigation);
  $("setting-social").value = linesOf(data.social);
  await showSettingPhoto("authorPhotoId", data.authorPhotoId);
  await showSettingPhoto("socialImageId", data.socialImageId);
  $("settings-status").textContent = "";
}

async function saveSettings() {
  const status = $("settings-status");
  status.className = "";
  status.textContent = "Saving…";
  try {
    const { etag } = await api("PUT", "/api/admin/settings", {
      title: $("setting-title").value, description: $("setting-description").value || null, authorName: $("setting-author").value || null,
      language: $("setting-language").value || null, footer: $("setting-footer").value || null,
      navigation: linksOf($("setting-navigation").value), social: linksOf($("setting-social").value),
      authorPhotoId: settingsState.authorPhotoId, socialImageId: settingsState.socialImageId,
    }, { "If-Match": settingsState.etag });
    settingsState.etag = etag;
    status.className = "";
    status.textContent = "Saved; the site is being published again.";
  } catch (error) {
    status.className = "error";
    status.textContent = error.status === 412 ? "The settings changed meanwhile: reopen them and save again." : error.message;
  }
}

async function uploadSettingPhoto(file, which) {
  const status = $("settings-status");
  try {
    status.textContent = "Uploading the photo…";
    const { data: ticket } = await api("POST", "/api/admin/photos", { fileName: file.name, contentType: file.type, size: file.size });
    await putWithProgress(ticket, file, document.createElement("progress"));
    const photo = await waitUntilProcessed(ticket.photoId);
    if (photo.status !== "ready") throw new Error(photo.failureReason || "The photo could not be processed.");
    await showSettingPhoto(which, photo.photoId);
    status.textContent = "Photo ready; save the settings to use it.";
  } catch (error) {
    status.className = "error";
    status.textContent = error.message;
  }
}

// Subscribers: the counts (also beside the posts), the list a page at a time, export, erase.
const subscriberList = { next: null };
async function refreshSubscriberCounts() {
  const { data: counts } = await api("GET", "/api/admin/subscribers/counts");
  $("subscriber-summary").textContent = `${counts.confirmed} confirmed, ${counts.pending} pending`;
  $("subscriber-counts").textContent = `${counts.total} in all: ${counts.confirmed} confirmed, ${counts.pending} pending, ` +
    `${counts.unsubscribed} unsubscribed, ${counts.bounced} bounced, ${counts.complained} complained ` +
    `(counted ${new Date(counts.countedAt).toLocaleTimeString()}; recounted every minute or two while you look).`;
}

async function listSubscribers(more = false) {
  const query = new URLSearchParams({ limit: "50" });
  if ($("subscriber-q").value.trim()) query.set("q", $("subscriber-q").value.trim());
  if ($("subscriber-status").value) query.set("status", $("subscriber-status").value);
  if (more && subscriberList.next) query.set("cursor", subscriberList.next);
  try {
    const { data: page } = await api("GET", `/api/admin/subscribers?${query}`);
    const rows = page.subscribers.map((subscriber) => {
      const row = document.createElement("tr");
      const date = subscriber.subscribedAt ? new Date(subscriber.subscribedAt).toLocaleDateString() : "";
      for (const text of [subscriber.email, subscriber.name || "", subscriber.status, date]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      const actions = document.createElement("td");
      const erase = document.createElement("button");
      erase.type = "button";
      erase.className = "danger";
      erase.textContent = "Erase";
      erase.setAttribute("aria-label", `Erase ${subscriber.email}`);
      erase.addEventListener("click", () => eraseSubscriber(subscriber, row));
      actions.append(erase);
      row.append(actions);
      return row;
    });
    const body = $("subscriber-list").querySelector("tbody");
    if (more) body.append(...rows); else body.replaceChildren(...rows);
    subscriberList.next = page.next;
    $("more-subscribers").hidden = !page.next;
    await refreshSubscriberCounts();
  } catch (error) {
    $("subscriber-counts").textContent = error.message;
  }
}

async function eraseSubscriber(subscriber, row) {
  if (!confirm(`Erase ${subscriber.email}? Everything kept about this address is deleted, in every region. This cannot be undone.`)) return;
  try {
    await api("DELETE", `/api/admin/subscribers/${encodeURIComponent(subscriber.id)}`);
    row.remove();
    await refreshSubscriberCounts();
  } catch (error) {
    $("subscriber-counts").textContent = error.message;
  }
}

// The export comes in parts (each API response is bounded); each part names the next in its Link header.
async function exportSubscribers() {
  const parts = [];
  let next = "/api/admin/subscribers/export";
  while (next) {
    const response = await fetch(next, { credentials: "same-origin" });
    if (!response.ok) {
      $("subscriber-counts").textContent = `The export failed (${response.status}).`;
      return;
    }
    parts.push(await response.blob());
    const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("Link") || "");
    next = link ? link[1] : null;
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob(parts, { type: "text/csv" }));
  link.download = `subscribers-${new Date().toISOString().slice(0, 10)}.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

// The post's email to subscribers: its job's progress, read every two seconds until everyone has an outcome.
let newsletterTimer;
function watchNewsletter(slug) {
  clearTimeout(newsletterTimer);
  const line = $("newsletter");
  if (!slug) { line.hidden = true; return; }
  const poll = async () => {
    try {
      const { data } = await api("GET", `/api/admin/posts/${encodeURIComponent(slug)}/newsletter`);
      line.hidden = false;
      line.dataset.status = data.status;
      line.textContent = `Email: ${data.status} — ${data.sent} sent, ${data.queued} queued, ${data.failed} failed` +
        (data.skipped ? `, ${data.skipped} skipped` : "");
      if (data.status === "failed") {
        // The server refused the message itself: nobody else is mailed until the author changes the post and retries.
        line.textContent = `Email stopped: the mail server refused the message (${data.failure}). ${data.sent} sent, ${data.queued} not yet. Change the post, then `;
        const retry = document.createElement("button");
        retry.type = "button";
        retry.textContent = "Retry sending";
        retry.addEventListener("click", async () => {
          try {
            await api("POST", `/api/admin/posts/${encodeURIComponent(slug)}/newsletter/retry`);
            watchNewsletter(slug);
          } catch (error) {
            say(error.message, true);
          }
        });
        line.append(retry);
        return;
      }
      if (data.status !== "sent" && state.slug === slug) newsletterTimer = setTimeout(poll, 2000);
    } catch (error) {
      line.hidden = true; // 404: published without email (or before the newsletter existed)
    }
  };
  poll();
}

async function sendTest() {
  if (!(await save())) return;
  try {
    const { data } = await api("POST", `/api/admin/posts/${encodeURIComponent(state.slug)}/newsletter/test`);
    say(data.message);
  } catch (error) {
    say(error.message, true);
  }
}

let previewTimer;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    try {
      const { data } = await api("POST", "/api/admin/preview", { markdown: $("markdown").value });
      $("preview").innerHTML = data.html; // sanitized by the server, exactly as the site renders it
    } catch (error) {
      say(error.message, true);
    }
  }, 250);
}

// Photos: each file gets an upload URL from the API, goes straight to storage (PUT with progress), then the
// thumbnail worker makes its variants; when the photo is ready its Markdown replaces the placeholder in the text.
async function setCover(photoId) {
  state.cover = photoId;
  $("cover").hidden = !photoId;
  if (!photoId) return;
  try {
    const { data } = await api("GET", `/api/admin/photos/${photoId}`);
    if (data.variants.length) $("cover-thumb").src = data.variants[0].jpeg;
  } catch (error) {
    say(`Cover photo: ${error.message}`, true);
  }
}

function insertAt(position, text) {
  const area = $("markdown");
  area.value = area.value.slice(0, position) + text + area.value.slice(position);
}

function replaceInText(placeholder, text) {
  const area = $("markdown");
  const at = area.value.indexOf(placeholder);
  if (at >= 0) area.value = area.value.slice(0, at) + text + area.value.slice(at + placeholder.length);
  else if (text) area.value += (area.value.endsWith("\n") ? "" : "\n") + text;
  schedulePreview();
}

function putWithProgress(ticket, file, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(ticket.method, ticket.uploadUrl);
    for (const [name, value] of Object.entries(ticket.headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => { if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total; });
    request.addEventListener("load", () => (request.status >= 200 && request.status < 300 ? resolve() : reject(new Error(`Storage answered ${request.status}`))));
    request.addEventListener("error", () => reject(new Error("The upload failed: storage could not be reached.")));
    request.send(file);
  });
}

async function waitUntilProcessed(photoId) {
  for (let attempt = 0; attempt < 240; attempt++) {
    const { data } = await api("GET", `/api/admin/photos/${photoId}`);
    if (data.status !== "awaiting-upload") return data;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("The photo is taking too long to process.");
}

async function uploadPhoto(file, position) {
  const alt = file.name.replace(/\.[^.]+$/, "").replace(/[\[\]]/g, "");
  const placeholder = `![Uploading ${alt}…]()`;
  insertAt(position, placeholder);

  const row = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = file.name;
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  const note = document.createElement("span");
  note.textContent = "uploading…";
  row.append(name, progress, note);
  $("uploads").append(row);

  try {
    const { data: ticket } = await api("POST", "/api/admin/photos", { fileName: file.name, contentType: file.type, size: file.size });
    await putWithProgress(ticket, file, progress);
    progress.value = 100;
    note.textContent = "processing…";
    const photo = await waitUntilProcessed(ticket.photoId);
    if (photo.status !== "ready") throw new Error(photo.failureReason || "The photo could not be processed.");

    const largest = photo.variants[photo.variants.length - 1];
    replaceInText(placeholder, `![${alt}](${largest.jpeg})`);
    const thumb = document.createElement("img");
    thumb.src = photo.variants[0].jpeg;
    thumb.alt = "";
    const cover = document.createElement("button");
    cover.type = "button";
    cover.textContent = "Use as cover";
    cover.addEventListener("click", () => setCover(photo.photoId));
    note.textContent = `ready, ${photo.width}×${photo.height}`;
    progress.remove();
    row.prepend(thumb);
    row.append(cover);
  } catch (error) {
    replaceInText(placeholder, "");
    progress.remove();
    note.className = "failed";
    note.textContent = error.message;
  }
}

function uploadPhotos(files, position) {
  // Every file is tried: the API says clearly why one that is not a photo cannot be uploaded.
  for (const file of [...files].reverse()) uploadPhoto(file, position); // reversed: each inserts at the same place
}

document.addEventListener("DOMContentLoaded", () => {
  $("passkey-sign-in").addEventListener("click", signInWithPasskey);
  $("email-link").addEventListener("submit", requestLink);
  $("setup").addEventListener("submit", setUp);
  $("sign-out").addEventListener("click", signOut);
  $("open-account").addEventListener("click", () => openAccount().catch((error) => { $("account-status").textContent = error.message; }));
  $("close-account").addEventListener("click", () => showView("editor"));
  $("add-passkey").addEventListener("click", addPasskey);
  $("new-key").addEventListener("submit", createKey);
  $("open-staff").addEventListener("click", () => openStaff().catch((error) => { $("staff-status").textContent = error.message; }));
  $("close-staff").addEventListener("click", () => showView("editor"));
  $("invite").addEventListener("submit", invite);
  window.addEventListener("hashchange", () => { if (location.hash.startsWith("#sign-in=")) boot(); });
  $("editor").addEventListener("submit", (event) => { event.preventDefault(); save(); });
  $("new-post").addEventListener("click", () => { showView("editor"); newPost(); });
  $("new-page").addEventListener("click", () => { showView("editor"); newPost("page"); });
  $("open-import").addEventListener("click", () => showImporter(true));
  $("close-import").addEventListener("click", () => showImporter(false));
  $("import-file").addEventListener("change", (event) => {
    if (event.target.files.length) importFile(event.target.files[0], importKinds.archive);
    event.target.value = "";
  });
  $("open-subscribers").addEventListener("click", () => { showView("subscribers"); listSubscribers(); });
  $("open-settings").addEventListener("click", () => openSettings().catch((error) => { $("settings-status").textContent = error.message; }));
  $("settings").addEventListener("submit", (event) => { event.preventDefault(); saveSettings(); });
  $("setting-author-photo").addEventListener("change", (event) => { if (event.target.files.length) uploadSettingPhoto(event.target.files[0], "authorPhotoId"); event.target.value = ""; });
  $("setting-social-image").addEventListener("change", (event) => { if (event.target.files.length) uploadSettingPhoto(event.target.files[0], "socialImageId"); event.target.value = ""; });
  $("remove-author-photo").addEventListener("click", () => showSettingPhoto("authorPhotoId", null));
  $("remove-social-image").addEventListener("click", () => showSettingPhoto("socialImageId", null));
  $("close-subscribers").addEventListener("click", () => showView("editor"));
  $("subscriber-search").addEventListener("submit", (event) => { event.preventDefault(); listSubscribers(); });
  $("more-subscribers").addEventListener("click", () => listSubscribers(true));
  $("export-subscribers").addEventListener("click", exportSubscribers);
  $("subscriber-import-file").addEventListener("change", (event) => {
    if (event.target.files.length) importFile(event.target.files[0], importKinds.subscribers);
    event.target.value = "";
  });
  $("publish").addEventListener("click", () => setStatus("publish"));
  $("send-test").addEventListener("click", sendTest);
  $("schedule").addEventListener("click", schedule);
  $("cancel-schedule").addEventListener("click", cancelSchedule);
  $("unpublish").addEventListener("click", () => setStatus("unpublish"));
  $("delete").addEventListener("click", async () => {
    if (!state.slug || !confirm("Delete this post? Its page disappears from the site.")) return;
    try {
      await api("DELETE", `/api/admin/posts/${encodeURIComponent(state.slug)}`, undefined, { "If-Match": state.etag });
      await refreshLists();
      newPost();
      say("Deleted");
    } catch (error) {
      say(error.message, true);
    }
  });
  $("markdown").addEventListener("input", schedulePreview);
  $("add-photo").addEventListener("click", () => $("photo-file").click());
  $("photo-file").addEventListener("change", (event) => {
    uploadPhotos(event.target.files, $("markdown").selectionStart);
    event.target.value = "";
  });
  $("remove-cover").addEventListener("click", () => setCover(null));
  const area = $("markdown");
  area.addEventListener("dragover", (event) => {
    if (!event.dataTransfer.types.includes("Files")) return;
    event.preventDefault();
    area.classList.add("dropping");
  });
  area.addEventListener("dragleave", () => area.classList.remove("dropping"));
  area.addEventListener("drop", (event) => {
    area.classList.remove("dropping");
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    uploadPhotos(event.dataTransfer.files, area.selectionStart);
  });
  area.addEventListener("paste", (event) => {
    if (!event.clipboardData.files.length) return;
    event.preventDefault();
    uploadPhotos(event.clipboardData.files, area.selectionStart);
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
    if (event.altKey && event.key === "n") { event.preventDefault(); newPost(); }
  });
  boot().catch((error) => signedOut(error.message));
});
