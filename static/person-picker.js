// UnionFlow: the person picker. A person (`member`) field with data-people-search (templates/_macros.html) becomes an
// editable combobox with a list of suggestions, after the WAI-ARIA Authoring Practices' combobox pattern: typing
// searches the people the case admits in that field (GET /people/search, web/people.py); Down and Up move through
// them (Alt+Down opens the list without moving), Enter or a click chooses one, Escape or Tab closes the list. The
// field then shows 孙强（sunqiang，第一车间） and a hidden input of the field's name carries the user name. Text typed
// and not chosen is posted as it is and resolved on the server, as it is without this script. The page's texts
// come in data-text-* (in the page's language); a file of its own: the CSP allows no inline script.
(() => {
  "use strict";
  const DELAY_MS = 200;   // after the last key, before asking the server
  const QUERY_MAX = 64;   // the server's bound on a search (web/people.py)
  const english = document.documentElement.lang.startsWith("en");
  const format = (text, values) => (text || "").replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));

  function enhance(input) {
    const texts = input.dataset;
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = texts.username || input.value;
    input.removeAttribute("name");
    const list = document.createElement("ul");
    list.id = `${input.id}-options`;
    list.className = "person-options list-group";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", texts.listLabel || "");
    list.hidden = true;
    const status = document.createElement("div");
    status.className = "form-text person-status";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.after(hidden, list);  // the list right under the field (.person-picker), the status under the picker
    input.parentElement.after(status);

    let people = [];      // the suggestions in the list
    let active = -1;      // the one with visual focus (aria-activedescendant), or none
    let timer = 0;
    let controller = null;
    let firstWhenFound = false;  // Down asked for the list before it came: move to its first when it does

    const say = (text) => { status.textContent = text || ""; };
    const open = () => { list.hidden = false; input.setAttribute("aria-expanded", "true"); };
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }
    function setActive(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach((option, i) => {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        option.classList.toggle("active", i === index);
        if (i === index) { option.scrollIntoView({ block: "nearest" }); }
      });
      if (index >= 0) { input.setAttribute("aria-activedescendant", `${list.id}-${index}`); }
      else { input.removeAttribute("aria-activedescendant"); }
    }
    function show(found, more) {
      people = found;
      list.replaceChildren(...found.map((person, i) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${i}`;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = person.label;
        return option;
      }));
      if (found.length && document.activeElement === input) { open(); } else { close(); }
      setActive(firstWhenFound && found.length && !list.hidden ? 0 : -1);
      firstWhenFound = false;
      say(found.length ? format(more ? texts.textMore : texts.textFound, { n: found.length }) : texts.textNone);
    }
    function choose(person) {
      input.value = person.label;
      hidden.value = person.username;
      close();
      say(format(texts.textChosen, { person: person.label }));
    }
    async function find(text) {
      if (controller) { controller.abort(); }
      controller = new AbortController();
      const url = new URL(texts.peopleSearch, window.location.href);
      url.searchParams.set("q", text);
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin",
                                            signal: controller.signal });
        const body = await response.json().catch(() => ({}));
        if (text !== input.value.trim()) { return; }  // typed on meanwhile: a newer search is coming
        if (!response.ok) {
          const error = body.error || {};
          show([], false);
          say((english && error.message_en) || error.message || texts.textFailed);
          return;
        }
        show(Array.isArray(body.people) ? body.people : [], Boolean(body.more));
      } catch (error) {
        if (error.name !== "AbortError") { show([], false); say(texts.textFailed); }
      }
    }
    function search(now) {
      window.clearTimeout(timer);
      const text = input.value.trim();
      if (!text || text.normalize("NFKC").length > QUERY_MAX) {
        if (controller) { controller.abort(); }
        people = [];
        close();
        say("");
        return;
      }
      timer = window.setTimeout(() => find(text), now ? 0 : DELAY_MS);
    }

    input.addEventListener("input", () => {
      hidden.value = input.value;  // typed, not chosen: the server resolves it
      search(false);
    });
    input.addEventListener("keydown", (event) => {
      const shown = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (shown) { setActive(active + 1 >= people.length ? 0 : active + 1); }
          else if (people.length) { open(); setActive(event.altKey ? -1 : 0); }
          else { firstWhenFound = !event.altKey; search(true); }
          break;
        case "ArrowUp":
          if (!shown) { break; }
          event.preventDefault();
          if (event.altKey) { close(); } else { setActive(active <= 0 ? people.length - 1 : active - 1); }
          break;
        case "Enter":
          if (shown && active >= 0) { event.preventDefault(); choose(people[active]); }
          break;
        case "Escape":
          if (shown) { event.preventDefault(); close(); }
          break;
        case "Tab":
          close();
          break;
        case "Home": case "End": case "ArrowLeft": case "ArrowRight":
          setActive(-1);  // the caret moves in the field again
          break;
        default:
          break;
      }
    });
    input.addEventListener("blur", close);
    list.addEventListener("mousedown", (event) => { event.preventDefault(); });  // the field keeps the focus
    list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      const index = option ? Array.prototype.indexOf.call(list.children, option) : -1;
      if (index >= 0) { choose(people[index]); }
    });
  }

  document.querySelectorAll("input[data-people-search]").forEach(enhance);
})();
