// Progressive enhancement: without JavaScript the form posts and lands on /subscribed/.
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
      const response = await fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ email: form.email.value, name: form.name.value || null }),
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
