// UnionFlow: when a page comes back with form errors, the keyboard and the screen reader start at the first field
// in error (marked aria-invalid="true", its message named by aria-describedby: templates/_macros.html), opening the
// <details> around it if it is folded; a refused step without a field in error starts at the form's message
// (data-refusal, templates/cases/show.html). A file of its own: the CSP allows no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector("main [aria-invalid='true']") || document.querySelector("main [data-refusal]");
  if (!field) { return; }
  for (let node = field.parentElement; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") { node.open = true; }
  }
  field.focus();
});
