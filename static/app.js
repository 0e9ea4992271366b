// UnionFlow: small progressive enhancements only; every page works without them.
document.addEventListener("submit", (event) => {
  // Guard against double submission of an action (a second click would only earn a 409).
  const button = event.target.querySelector("button[type=submit]:not([name])");
  if (button) { window.setTimeout(() => { button.disabled = true; }, 0); }
});
document.addEventListener("submit", (event) => {
  // A step that cannot be undone (撤回) asks first; the text comes from the page, in its language.
  const button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
document.addEventListener("change", async (event) => {
  // A text field that may be filled from a file (a voter list): read it as UTF-8, or as GBK when it is not.
  const input = event.target;
  if (!input.dataset || !input.dataset.fills || !input.files.length) { return; }
  const bytes = await input.files[0].arrayBuffer();
  let text;
  try { text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); }
  catch (error) { text = new TextDecoder("gbk").decode(bytes); }
  document.getElementById(input.dataset.fills).value = text.replace(/^\uFEFF/, "");
});
function reveal(target) {
  // A link of the phone's action bar (同意 / 退回 / 转交 / 加签): open the form it points to and put the focus in it.
  for (let node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") { node.open = true; }
  }
  const field = target.querySelector("input:not([type=hidden]), select, textarea, button");
  (field || target).focus({ preventScroll: false });
}
document.addEventListener("click", (event) => {
  const link = event.target.closest(".action-bar a[href^='#']");
  const target = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!target) { return; }
  event.preventDefault();
  reveal(target);
  target.scrollIntoView({ block: "start" });
});
