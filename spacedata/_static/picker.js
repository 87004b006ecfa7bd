// The dashboard's multi-value picker (spacedata.dashboard.widgets.Picker), a Panel JSComponent.
// Type to search; exact matches come first, then prefixes, then word prefixes, then any
// substring; Enter takes the highlighted (first) match. The list opens on a click, on typing
// or on ArrowDown, and closes once a value is taken (so it never stays over the widgets
// below). Every text is set with textContent, never as HTML. No imports: nothing is loaded.

const LIMIT = 50 // options listed at once; typing narrows the rest

function optionsOf(model) {
  return (model.options || []).map((o) =>
    typeof o === "string"
      ? { value: o, label: o, hint: "" }
      : { value: String(o.value), label: String(o.label ?? o.value), hint: String(o.hint ?? "") },
  )
}

// Lower is better; null when the option does not match at all.
export function rank(option, query) {
  const q = query.trim().toLowerCase()
  if (!q) return 5
  const label = option.label.toLowerCase()
  const value = option.value.toLowerCase()
  const hint = option.hint.toLowerCase()
  if (label === q || value === q || hint === q) return 0
  if (label.startsWith(q) || value.startsWith(q)) return 1
  if (hint.startsWith(q)) return 2
  const words = `${label} ${hint}`.split(/[^\p{L}\p{N}]+/u)
  if (words.some((w) => w.startsWith(q))) return 3
  if (label.includes(q) || value.includes(q) || hint.includes(q)) return 4
  return null
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v
    else if (k === "text") node.textContent = v
    else if (k.startsWith("aria-") || k === "role") node.setAttribute(k, v)
    else node[k] = v
  }
  node.append(...children)
  return node
}

export function render({ model, el: host }) {
  const id = `sd-picker-${Math.random().toString(36).slice(2, 10)}`
  const input = el("input", {
    type: "text",
    id: `${id}-input`,
    class: "sd-picker-input",
    placeholder: model.placeholder,
    autocomplete: "off",
    spellcheck: false,
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": `${id}-list`,
  })
  const label = el("label", { class: "sd-picker-label", htmlFor: input.id, text: model.label || model.name })
  const chips = el("ul", { class: "sd-picker-chips", "aria-label": "chosen" })
  const box = el("div", { class: "sd-picker-box" }, chips, input)
  // not a Tab stop: Chromium makes a scrolling list focusable, and Tab from the input would
  // land in it as it closes (the focus lost to the page); the arrows move through the options
  const list = el("ul", {
    id: `${id}-list`,
    class: "sd-picker-list",
    role: "listbox",
    hidden: true,
    tabIndex: -1,
  })
  host.append(el("div", { class: "sd-picker" }, label, box, list))

  let matches = []
  let active = 0
  let open = false

  const byValue = () => new Map(optionsOf(model).map((o) => [o.value, o]))

  function add(value) {
    if (!model.value.includes(value)) model.value = [...model.value, value]
    input.value = ""
    open = false
    search()
  }

  function remove(value) {
    model.value = model.value.filter((v) => v !== value)
    search()
  }

  function renderChips() {
    const known = byValue()
    chips.replaceChildren(
      ...model.value.map((value) => {
        const o = known.get(value) ?? { value, label: value, hint: "" }
        const button = el("button", {
          type: "button",
          class: "sd-chip-remove",
          text: "×",
          "aria-label": `Remove ${o.label}`,
        })
        button.addEventListener("click", (event) => {
          event.preventDefault()
          remove(value)
          input.focus()
        })
        const chip = el("li", { class: "sd-chip" }, el("span", { text: o.label }), button)
        chip.title = o.hint ? `${o.label}: ${o.hint}` : o.label
        return chip
      }),
    )
  }

  function renderList() {
    const shown = matches.slice(0, LIMIT)
    const items = shown.map((o, k) => {
      const item = el("li", {
        id: `${id}-opt-${k}`,
        class: k === active ? "sd-option active" : "sd-option",
        role: "option",
        "aria-selected": k === active ? "true" : "false",
      })
      item.append(el("span", { class: "sd-option-label", text: o.label }))
      if (o.hint && o.hint !== o.label) item.append(el("span", { class: "sd-option-hint", text: o.hint }))
      item.addEventListener("mousedown", (event) => {
        event.preventDefault() // keep the focus in the input
        add(o.value)
      })
      return item
    })
    if (matches.length > LIMIT) {
      items.push(el("li", { class: "sd-note", text: `${matches.length - LIMIT} more: type to narrow` }))
    }
    if (!matches.length) {
      const q = input.value.trim()
      items.push(el("li", { class: "sd-note", text: q ? `Nothing matches “${q}”` : "All chosen" }))
    }
    list.replaceChildren(...items)
    list.hidden = !open
    input.setAttribute("aria-expanded", String(open))
    if (open && shown.length) {
      input.setAttribute("aria-activedescendant", `${id}-opt-${active}`)
      list.children[active]?.scrollIntoView?.({ block: "nearest" })
    } else {
      input.removeAttribute("aria-activedescendant")
    }
  }

  function search() {
    const taken = new Set(model.value)
    const query = input.value
    matches = optionsOf(model)
      .map((o, i) => ({ o, i, r: rank(o, query) }))
      .filter((m) => m.r !== null && !taken.has(m.o.value))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((m) => m.o)
    active = 0
    renderList()
  }

  function show() {
    open = true
    search()
  }

  input.addEventListener("input", show)
  input.addEventListener("focus", show)
  input.addEventListener("click", () => {
    if (!open) show()
  })
  input.addEventListener("blur", () => {
    open = false
    renderList()
  })
  input.addEventListener("keydown", (event) => {
    const last = Math.min(matches.length, LIMIT) - 1
    if (event.key === "ArrowDown" && !open) {
      show()
    } else if (event.key === "ArrowDown") {
      active = Math.min(active + 1, Math.max(last, 0))
      renderList()
    } else if (event.key === "ArrowUp") {
      active = Math.max(active - 1, 0)
      renderList()
    } else if (event.key === "Enter") {
      if (open && last >= 0) add(matches[active].value)
    } else if (event.key === "Escape" && open) {
      event.stopPropagation() // the list closes; a second Escape may close the page's drawer
      input.value = ""
      open = false
      renderList()
    } else if (event.key === "Backspace" && !input.value && model.value.length) {
      remove(model.value[model.value.length - 1])
    } else {
      return
    }
    event.preventDefault()
  })
  box.addEventListener("mousedown", (event) => {
    if (event.target === box || event.target === chips) {
      event.preventDefault()
      input.focus()
    }
  })

  model.on("value", () => {
    renderChips()
    if (open) search()
  })
  model.on("options", () => {
    renderChips()
    if (open) search()
  })
  model.on("placeholder", () => {
    input.placeholder = model.placeholder
  })
  renderChips()
}
