// UnionFlow: small progressive enhancements only; every page works without them.
document.addEventListener("submit", (event) => {
  // Guard against double submission of an action (a second click would only earn a 409).
  const button = event.target.querySelector("button[type=submit]:not([name])");
  if (button) { window.setTimeout(() => { button.disabled = true; }, 0); }
});
