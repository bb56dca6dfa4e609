"""The forms of a page as a browser sees them: fields, types and the values it would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Input:
    name: str
    kind: str  # input type, or "select", "textarea"
    value: str = ""
    inputmode: str = ""
    checked: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)

    @property
    def typed(self) -> bool:
        """A field people type into (not a choice, a button or a hidden value)."""
        return self.kind in ("text", "email", "url", "search", "tel", "number", "date",
                             "datetime-local", "textarea")  # fmt: skip

    @property
    def one_line(self) -> bool:
        return self.typed and self.kind != "textarea"


@dataclass
class HtmlForm:
    action: str
    method: str
    enctype: str
    inputs: list[Input] = field(default_factory=list)

    def defaults(self) -> list[tuple[str, str]]:
        """What submitting the form untouched sends (checked boxes, selected options...)."""
        pairs: list[tuple[str, str]] = []
        for item in self.inputs:
            if item.kind in ("submit", "button", "reset", "image", "file"):
                continue
            if item.kind in ("checkbox", "radio"):
                if item.checked:
                    pairs.append((item.name, item.value or "on"))
            elif item.kind == "select":
                chosen = [v for v, selected in item.options if selected]
                if not chosen and item.options and not item.multiple:
                    chosen = [item.options[0][0]]
                pairs += [(item.name, v) for v in chosen]
            else:
                pairs.append((item.name, item.value))
        return pairs

    def fields(self) -> dict[str, Input]:
        """One entry per name (the first: radios and checkboxes share theirs)."""
        found: dict[str, Input] = {}
        for item in self.inputs:
            if item.name and item.kind not in ("submit", "button", "reset", "image"):
                found.setdefault(item.name, item)
        return found


class _Parser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: Input | None = None
        self._option: list[str] | None = None  # [value, selected, text]
        self._textarea: Input | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(
                action=a.get("action") or self.url,
                method=(a.get("method") or "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None or (tag not in ("input", "select", "textarea", "option")):
            return
        if tag == "option" and self._select is not None:
            self._option = [a.get("value", ""), "selected" in a, ""]
            if "value" not in a:
                self._option[0] = None  # type: ignore[call-overload]
            return
        name = a.get("name", "")
        if not name:
            return
        if tag == "input":
            self._form.inputs.append(
                Input(
                    name,
                    a.get("type", "text").lower(),
                    a.get("value", ""),
                    a.get("inputmode", ""),
                    checked="checked" in a,
                )
            )
        elif tag == "select":
            self._select = Input(name, "select", multiple="multiple" in a)
            self._form.inputs.append(self._select)
        elif tag == "textarea":
            self._textarea = Input(name, "textarea", inputmode=a.get("inputmode", ""))
            self._form.inputs.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                value = self._textarea.value.replace("\r\n", "\n")
                # HTML drops a newline right after <textarea>; a browser sends CR LF.
                value = value[1:] if value.startswith("\n") else value
                self._textarea.value = value.replace("\n", "\r\n")
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option[0] if self._option[0] is not None else self._option[2].strip()
            self._select.options.append((value, bool(self._option[1])))
            self._option = None


def page_forms(html: str, url: str) -> list[HtmlForm]:
    parser = _Parser(url)
    parser.feed(html)
    return parser.forms
