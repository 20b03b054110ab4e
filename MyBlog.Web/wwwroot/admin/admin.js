// The author's editor: plain JavaScript against the admin API. The token lives in sessionStorage only.
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("myblog-admin-token"), slug: null, etag: null, status: null };

async function api(method, path, body, extraHeaders = {}) {
  const headers = { Authorization: `Bearer ${state.token}`, ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const messages = data && data.errors ? Object.values(data.errors).flat() : [data && (data.detail || data.title) || response.statusText];
    const error = new Error(messages.join(" "));
    error.status = response.status;
    throw error;
  }
  return { data, etag: response.headers.get("ETag") };
}

function say(message, isError = false) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

async function signIn(token) {
  state.token = token;
  try {
    await api("GET", "/api/admin/posts?status=draft&limit=1");
  } catch (error) {
    state.token = null;
    throw error;
  }
  sessionStorage.setItem("myblog-admin-token", token);
  newPost();
  await refreshLists();
  // Shown only when ready, so nothing typed in the first moment is wiped by the set-up above.
  $("sign-in").hidden = true;
  $("workspace").hidden = false;
  $("sign-out").hidden = false;
  $("title").focus();
}

async function refreshLists() {
  for (const status of ["draft", "published"]) {
    const { data } = await api("GET", `/api/admin/posts?status=${status}&limit=100`);
    const list = $(status === "draft" ? "drafts" : "published");
    list.replaceChildren(...data.items.map((post) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${encodeURIComponent(post.slug)}`;
      link.textContent = post.title || post.slug;
      link.dataset.slug = post.slug;
      if (post.slug === state.slug) link.setAttribute("aria-current", "true");
      link.addEventListener("click", (event) => { event.preventDefault(); open(post.slug); });
      item.append(link);
      return item;
    }));
  }
}

function newPost() {
  Object.assign(state, { slug: null, etag: null, status: null });
  for (const id of ["title", "tags", "excerpt", "markdown"]) $(id).value = "";
  $("preview").replaceChildren();
  updateButtons();
  say("New draft");
  $("title").focus();
}

async function open(slug) {
  const { data, etag } = await api("GET", `/api/admin/posts/${encodeURIComponent(slug)}`);
  show(data, etag);
  await refreshLists();
  say(`Opened “${data.title}” (${data.status}, version ${data.version})`);
}

function show(post, etag) {
  Object.assign(state, { slug: post.slug, etag, status: post.status });
  $("title").value = post.title;
  $("tags").value = post.tags.join(", ");
  $("excerpt").value = post.excerpt || "";
  $("markdown").value = post.markdown;
  $("preview").innerHTML = post.html; // sanitized by the server
  updateButtons();
}

function updateButtons() {
  $("publish").disabled = state.status === "published"; // a new draft is saved first, then published
  $("unpublish").disabled = state.status !== "published";
  $("delete").disabled = !state.slug;
}

function fields() {
  return {
    title: $("title").value,
    markdown: $("markdown").value,
    tags: $("tags").value.split(",").map((t) => t.trim()).filter(Boolean),
    excerpt: $("excerpt").value || null,
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
    const { data, etag } = await api("POST", `/api/admin/posts/${encodeURIComponent(state.slug)}/${action}`, undefined, { "If-Match": state.etag });
    show(data, etag);
    await refreshLists();
    say(action === "publish" ? `Published — live at ${data.url} in a few seconds` : "Unpublished");
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

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signIn($("token").value);
    } catch (error) {
      $("sign-in-error").textContent = error.status === 401 ? "That token is not right." : error.message;
    }
  });
  $("sign-out").addEventListener("click", () => { sessionStorage.removeItem("myblog-admin-token"); location.reload(); });
  $("editor").addEventListener("submit", (event) => { event.preventDefault(); save(); });
  $("new-post").addEventListener("click", newPost);
  $("publish").addEventListener("click", () => setStatus("publish"));
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
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
    if (event.altKey && event.key === "n") { event.preventDefault(); newPost(); }
  });
  if (state.token) signIn(state.token).catch(() => { state.token = null; sessionStorage.removeItem("myblog-admin-token"); });
});
