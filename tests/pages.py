"""Reading the app's pages, for tests at every level: what they report about themselves
(query_count), and a form of theirs as a browser posts it (form_body)."""

import re
from html.parser import HTMLParser


def query_count(server_timing: str) -> int:
    """The number of queries in a `Server-Timing: db;dur=..;desc="<n> queries"` header
    ("1 query": config/querylog/)."""
    count, noun = re.search(r'desc="(\d+) (query|queries)"', server_timing).groups()
    assert (count == "1") == (noun == "query"), server_timing
    return int(count)


class _FormReader(HTMLParser):
    """The fields of one form of a page, as a browser sends them (see form_body)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.body = form_id, False, []
        self.select = self.textarea = None
        self.options: list[list] = []  # [value, selected]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.body.append((name, attrs.get("value", "on")))
            elif kind not in ("file", "submit", "button", "reset", "image"):
                self.body.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in attrs), []
        elif tag == "option" and self.select:
            # Without a value attribute an option's value is its text (handle_data).
            self.options.append([attrs.get("value"), "selected" in attrs])
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data
        elif self.select and self.options and self.options[-1][0] is None:
            self.options[-1][0] = data.strip()

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            (name, multiple), options = self.select, self.options
            chosen = [value or "" for value, selected in options if selected]
            if not chosen and options and not multiple:
                chosen = [options[0][0] or ""]
            self.body.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            self.body.append((name, text.removeprefix("\n")))
            self.textarea = None


def form_body(html: str, form_id: str) -> dict[str, str | list[str]]:
    """What a browser posts for the form `form_id` of a page, left as the page shows
    it: each text, hidden and number input, text area and select (its chosen
    options, else its first), checked checkboxes and radio buttons; no files,
    nothing disabled. A name sent more than once gives the list of its values."""
    reader = _FormReader(form_id)
    reader.feed(html)
    body: dict[str, str | list[str]] = {}
    for name, value in reader.body:
        if name in body:
            earlier = body[name]
            body[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            body[name] = value
    return body
