"""[check] A built site, offline: every internal link, `#anchor` and asset must resolve to a file of the output.

`check_output(files, base_url, relative)` is pure: it takes the output as a mapping (output file -> bytes, what
`pipeline.build` returns or `read_output` reads back from disk) and returns a `CheckResult` listing each broken
reference as a `Problem` on the file and line it appears on. Nothing is fetched: links to other hosts are skipped.

How a reference is resolved, as a static host would:

- relative (`../tags/x/`) against the folder of the file it is on; site-absolute (`/digest/tags/x/`) and full URLs
  on the site's own origin (`https://example.org/digest/...`) must lie under the base path of `base_url`;
- `x/` is `x/index.html`; a query string is ignored; a folder linked without its `/` is reported;
- `#fragment` must be the `id` (or `<a name>`) of an element of the target HTML file;
- with `relative` (the site is meant to be opened from disk), a site-absolute link or one ending in `/` is
  reported too, because a browser reading files cannot follow it.

HTML (`href`, `src`, `srcset`, `action`, `poster`, `data`), CSS (`url()`, `@import`) and XML (sitemap `<loc>`,
Atom `<link href>`) are read.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from .diagnostics import Problem, counted

log = logging.getLogger(__name__)

_LINK_ATTRIBUTES = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "form": ("action",),
    "input": ("src",),
}
_SKIPPED_SCHEMES = {"mailto", "tel", "data", "javascript", "about", "blob", "urn", "tag", "news"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
_ATOM = "{http://www.w3.org/2005/Atom}"
_SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True, slots=True)
class Reference:
    """One link found in an output file."""

    source: str
    """Output file it is on (`t/x/index.html`)."""
    line: int
    """1-based line of the tag that holds it (0 when unknown)."""
    url: str
    """As written in the file."""
    browsed: bool = True
    """Followed by a browser reading the page (HTML and CSS), so the from-disk rules apply; False for feeds,
    sitemaps and canonical URLs, which are read only over HTTP."""


@dataclass(slots=True)
class CheckResult:
    """What `check_output` found."""

    pages: int = 0
    """HTML files read."""
    files: int = 0
    """Files read for links (HTML, CSS, XML)."""
    links: int = 0
    """Internal references checked (each occurrence counts)."""
    external: int = 0
    """References to other hosts or schemes, not checked."""
    problems: list[Problem] = field(default_factory=list)
    """Every broken reference, by file and line."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        count = len(self.problems)
        return (
            f"checked {counted(self.pages, 'page')}, {self.links} internal links and assets in "
            f"{counted(self.files, 'file')} ({self.external} external skipped): {counted(count, 'problem')}"
        )


class _PageParser(HTMLParser):
    """Collects the ids and the references of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # text is not needed; attribute values are still decoded
        self.ids: set[str] = set()
        self.refs: list[tuple[int, str, bool]] = []
        self.base_href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        names = _LINK_ATTRIBUTES.get(tag, ())
        browsed = not (tag == "link" and "canonical" in (dict(attrs).get("rel") or "").lower().split())
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif tag == "base" and name == "href":
                self.base_href = value
            elif name in names:
                if name == "srcset":
                    self.refs.extend((line, part.split()[0], True) for part in value.split(",") if part.strip())
                elif value.strip() or tag != "form":
                    self.refs.append((line, value.strip(), browsed))

    handle_startendtag = handle_starttag


def read_output(out: Path) -> dict[str, bytes]:
    """Every file of a built site folder: output path (`t/x/index.html`) -> bytes. Hidden files are skipped."""
    files: dict[str, bytes] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[rel.as_posix()] = path.read_bytes()
    return files


def check_output(files: Mapping[str, bytes], base_url: str = "/", *, relative: bool = False) -> CheckResult:
    """Check every internal reference of a built site held in memory; see the module docstring for the rules."""
    checker = _Checker(files, base_url, relative)
    return checker.run()


class _Checker:
    def __init__(self, files: Mapping[str, bytes], base_url: str, relative: bool) -> None:
        parts = urlsplit(base_url)
        self.files = files
        self.relative = relative
        self.origin = (parts.scheme.lower(), parts.netloc.lower()) if parts.netloc else None
        path = parts.path or "/"
        self.base_path = path if path.endswith("/") else path + "/"
        self.folders = {posixpath.dirname(name) for name in files}
        self.folders |= {posixpath.dirname(folder) for folder in list(self.folders)}
        self._parsed: dict[str, _PageParser] = {}
        self.result = CheckResult()

    def run(self) -> CheckResult:
        for name in sorted(self.files):
            refs = list(self._references(name))
            for ref in refs:
                self._check(ref)
        self.result.problems.sort(key=lambda p: (p.path, p.line, p.message))
        return self.result

    def _references(self, name: str) -> Iterator[Reference]:
        data = self.files[name]
        if name.endswith((".html", ".htm")):
            parser = self._parse(name)
            refs, parser.refs = parser.refs, []  # only the ids are needed from here on
            self.result.pages += 1
            self.result.files += 1
            for line, url, browsed in refs:
                yield Reference(name, line, url, browsed)
        elif name.endswith(".css"):
            self.result.files += 1
            text = data.decode("utf-8", "replace")
            for match in _CSS_URL.finditer(text):
                yield Reference(name, text.count("\n", 0, match.start()) + 1, match.group(2) or match.group(4))
        elif name.endswith(".xml"):
            self.result.files += 1
            try:
                root = ElementTree.fromstring(data)
            except ElementTree.ParseError as exc:
                self.result.problems.append(Problem(name, exc.position[0], "error", f"not well-formed XML: {exc}"))
                return
            yield from _xml_references(name, root)

    def _parse(self, name: str) -> _PageParser:
        """Parse an HTML file once; its ids are kept for the links that point at it."""
        parser = self._parsed.get(name)
        if parser is None:
            parser = _PageParser()
            parser.feed(self.files[name].decode("utf-8", "replace"))
            parser.close()
            self._parsed[name] = parser
        return parser

    def _ids_of(self, name: str) -> set[str]:
        return self._parse(name).ids

    def _problem(self, ref: Reference, message: str, hint: str = "") -> None:
        self.result.problems.append(Problem(ref.source, ref.line, "error", message, hint))

    def _check(self, ref: Reference) -> None:
        url = ref.url
        try:
            parts = urlsplit(url)
        except ValueError:
            self.result.links += 1
            self._problem(ref, f"malformed link {url!r}")
            return
        scheme = parts.scheme.lower()
        if scheme in _SKIPPED_SCHEMES or scheme not in ("", "http", "https", "file") or not self._on_site(parts.netloc):
            self.result.external += 1
            return
        self.result.links += 1
        if scheme == "file":
            self._problem(
                ref, f"link to a local file {url!r}", "links must not depend on the machine that built the site"
            )
            return
        target = self._target(ref, parts.path, from_disk=self.relative and ref.browsed and not parts.netloc)
        if target is None:
            return
        fragment = unquote(parts.fragment)
        if target not in self.files:
            self._missing(ref, target)
            return
        if (
            fragment
            and fragment.lower() != "top"  # `#top` scrolls to the top of any page (HTML standard)
            and target.endswith((".html", ".htm"))
            and fragment not in self._ids_of(target)
        ):
            self._problem(ref, f"missing anchor #{fragment} in {target} (link {url!r})")

    def _on_site(self, netloc: str) -> bool:
        """A link without a host, or to the host of `base_url` (http or https alike)."""
        return not netloc or (self.origin is not None and netloc.lower() == self.origin[1])

    def _target(self, ref: Reference, path: str, *, from_disk: bool) -> str | None:
        """The output file a link path points at, or None after reporting why it points nowhere."""
        url = ref.url
        if not path:
            return ref.source  # `#anchor` or `?query` alone: this page
        if path.startswith("/"):
            if from_disk:
                self._problem(ref, f"site-absolute link {url!r} does not work opened from disk", "link through url()")
                return None
            if not (path + "/").startswith(self.base_path) and path != self.base_path.rstrip("/"):
                self._problem(ref, f"link {url!r} is outside the site's base path {self.base_path}")
                return None
            rel = path[len(self.base_path) :] if path.startswith(self.base_path) else ""
        else:
            rel = posixpath.join(posixpath.dirname(ref.source), path)
        rel = unquote(rel)
        normal = posixpath.normpath(rel) if rel else "."
        if normal == ".." or normal.startswith("../"):
            self._problem(ref, f"link {url!r} leaves the output folder")
            return None
        if normal == ".":
            normal = ""
        if rel.endswith("/") or normal == "":
            if from_disk:
                self._problem(
                    ref, f"link {url!r} names a folder, which does not open from disk", "link to …/index.html"
                )
                return None
            return (normal + "/index.html").lstrip("/") if normal else "index.html"
        if normal in self.folders and normal not in self.files:
            self._problem(ref, f"link {url!r} names the folder {normal}/ without its trailing '/'")
            return None
        return normal

    def _missing(self, ref: Reference, target: str) -> None:
        kind = "asset" if not target.endswith((".html", ".htm")) else "page"
        self._problem(ref, f"broken link {ref.url!r}: missing {kind} {target}")


def _xml_references(name: str, root: ElementTree.Element) -> Iterator[Reference]:
    """Sitemap `<loc>`s and Atom `<link href>`s (read over HTTP only, so the from-disk rules never apply)."""
    for element in root.iter():
        if element.tag == f"{_SITEMAP}loc" and element.text:
            yield Reference(name, 0, element.text.strip(), browsed=False)
        elif element.tag == f"{_ATOM}link" and element.get("href"):
            yield Reference(name, 0, element.get("href", ""), browsed=False)


__all__ = ["CheckResult", "Reference", "check_output", "read_output"]
