// Generic layout checks a page must pass at any width (tests/e2e/test_layout.py).
// Returns a list of problems, each a short description naming the element.
() => {
  "use strict";
  const problems = [];
  const describe = (el) => {
    const cls = el.getAttribute && el.getAttribute("class");
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls ? "." + cls.split(/\s+/).join(".") : ""}> "${text}"`;
  };
  const visible = (el) => el.checkVisibility() && el.getClientRects().length > 0;
  const scrolls = (style) => ["auto", "scroll"].includes(style.overflowX);
  // The cue: shadows fixed to the box (attachment `scroll`) that covers moving with the
  // content (attachment `local`) hide at either end (see static/css/site.css, `--scroll-cue`).
  const hasCue = (style) =>
    style.backgroundImage.includes("gradient") &&
    style.backgroundAttachment.includes("local") &&
    style.backgroundAttachment.includes("scroll");
  const viewport = document.documentElement.clientWidth;

  // 1. Nothing wider than its box, unless the box is a scroll container with the cue.
  if (document.documentElement.scrollWidth > viewport) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${viewport}`);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg, script, style, head") || !visible(el)) continue;
    const style = getComputedStyle(el);
    // Text for screen readers alone, clipped to a pixel on purpose (the admin's).
    const box = el.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1 && style.overflow === "hidden") continue;
    if (style.display.startsWith("inline") && style.display !== "inline-block") continue;
    // A text field scrolls its own value, however long (a storage name in the admin);
    // a button's label does not.
    const typing = ["text", "search", "url", "email", "tel", "password", "number"];
    const field = el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && typing.includes(el.type));
    const overflowing = !field && el.scrollWidth > el.clientWidth + 1;
    if (scrolls(style)) {
      if (overflowing && !hasCue(style)) problems.push(`scrolls with no visible cue: ${describe(el)}`);
      continue;
    }
    // Inside a box that scrolls with the cue, the overflow is what the reader scrolls to.
    let scroller = el.parentElement;
    while (scroller && !scrolls(getComputedStyle(scroller))) scroller = scroller.parentElement;
    const cued = scroller && hasCue(getComputedStyle(scroller));
    if (overflowing && !cued && el.tagName !== "HTML" && el.tagName !== "BODY") {
      problems.push(`content wider than its box (${el.scrollWidth} > ${el.clientWidth}): ${describe(el)}`);
    }
    const rect = el.getBoundingClientRect();
    if (!scroller && rect.right > viewport + 1) {
      problems.push(`past the right edge (${Math.round(rect.right)} > ${viewport}): ${describe(el)}`);
    }
  }

  // 2. No number or identifier split across lines: one line box per token.
  // Numbers (2,503.2), hex ids (6b17efb080d2), quoted SQL names ("catalog_feature"),
  // snake_case names (product_id, AWS_S3_ENDPOINT_URL), calls (restore()) and any
  // other word of 12 letters or more (CompressedManifestStaticFilesStorage). A
  // dotted name or a path may break after its dots and slashes, between words.
  const TOKEN = /\b\d[\d,.]*\d\b|\b(?=[a-f]*\d)[0-9a-f]{7,}\b|"[A-Za-z_][\w$]*"|\b[A-Za-z]\w*_\w+\b|\b\w+\(\)|\b[A-Za-z]\w{11,}\b/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("svg, script, style, noscript") || !visible(parent)) continue;
    for (const match of node.data.matchAll(TOKEN)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(
        Array.from(range.getClientRects())
          .filter((r) => r.width > 0)
          .map((r) => Math.round(r.top))
      );
      if (tops.size > 1) problems.push(`"${match[0]}" is split across ${tops.size} lines in ${describe(parent)}`);
    }
  }

  // 3. No two texts of a chart overlap.
  for (const svg of document.querySelectorAll("svg")) {
    if (!visible(svg)) continue;
    const boxes = Array.from(svg.querySelectorAll("text")).map((t) => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, ra] = boxes[i];
        const [b, rb] = boxes[j];
        const overlap = ra.left < rb.right - 0.5 && rb.left < ra.right - 0.5 && ra.top < rb.bottom - 0.5 && rb.top < ra.bottom - 0.5;
        if (overlap) problems.push(`chart labels "${a}" and "${b}" overlap`);
      }
    }
  }

  // 4. A caption is clearly nearer its own figure's content than any other figure's
  // (by at least its own font size), so a reader pairs them right at every width.
  const CONTENT = "svg, img, pre, table";
  const figures = Array.from(document.querySelectorAll("figure")).filter(visible);
  for (const figure of figures) {
    const caption = figure.querySelector(":scope > figcaption");
    const own = figure.querySelector(CONTENT);
    if (!caption || !own) continue;
    const c = caption.getBoundingClientRect();
    const o = own.getBoundingClientRect();
    const gap = c.top >= o.bottom ? c.top - o.bottom : o.top - c.bottom;
    const em = parseFloat(getComputedStyle(caption).fontSize);
    for (const other of figures) {
      if (other === figure || other.contains(figure) || figure.contains(other)) continue;
      const t = other.querySelector(CONTENT);
      if (!t) continue;
      const r = t.getBoundingClientRect();
      const sideBySide = r.left >= c.right || r.right <= c.left;
      const otherGap = c.top >= r.bottom ? c.top - r.bottom : r.top - c.bottom;
      if (!sideBySide && otherGap >= 0 && otherGap < gap + em) {
        problems.push(`caption "${caption.textContent.trim().slice(0, 40)}" is not clearly nearer its own figure than another (${Math.round(otherGap)} px against ${Math.round(gap)} px)`);
      }
    }
  }
  return problems;
}
