"""[render] Site -> pages -> bytes, in memory, through the Jinja theme.

`plan_pages()` lists every page (path, template, variables); a `Renderer`
renders one page to bytes. Templates get views from `context.py`, `url()` to write links
for the page they are on, and autoescaping everywhere: content is untrusted.

The macros that run once per comment (the comment tree, a thread feed's entries) have Python twins that
write the same bytes (`twins.py`); a twin stands in only where a template's text is exactly the bundled
partial's, so a theme or site that overrides the partial gets its own template.
"""

from __future__ import annotations

import math
import re
import traceback
import types
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.runtime
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.utils import internalcode
from markupsafe import Markup

from . import comment_html, feed_xml
from .absolute_urls import AbsoluteUrl, AtomId, uuid5_text
from .comment_html import CommentTree
from .config import SiteConfig
from .context import (
    CommentView,
    ThreadCard,
    ThreadView,
    comment_pages,
    iso,
    month_links,
    tag_index,
    tag_view,
    thread_card,
    thread_view,
)
from .diagnostics import SourceError
from .enrich import EnrichedThread
from .enrich.charts import bar_chart_svg, column_chart_svg
from .escaping import escape_output
from .feed_xml import CommentEntries
from .feeds import thread_feed
from .jsonld import discussion_jsonld_json
from .load import LINK_HINT, display_path, escapes, link_refused
from .site import Site
from .site_links import resolve_site_paths
from .text import text_direction
from .themes import Theme
from .twins import ThemeTemplate, Twin, source_digest
from .urls import Linker


@dataclass(slots=True)
class Page:
    """One output file to render."""

    path: str
    """Site path (`/t/slug/`, `/feed.xml`)."""
    template: str
    """Template name in the theme."""
    kind: str
    """home, index, thread, comments, tags, tag, archive, month, feed, sitemap, robots, 404."""
    title: str
    """Page title (without the site title)."""
    variables: dict[str, Any] = field(default_factory=dict)
    """Template variables besides the globals."""


@dataclass(frozen=True, slots=True)
class SiteView:
    """`site` in every template."""

    title: str
    description: str
    language: str
    author: str
    base_url: str
    search: bool
    feed_path: str = "/feed.xml"
    direction: str = "ltr"
    """`rtl` for a language written right to left (`ar`, `he`, `fa`, ...; `text.text_direction`), else `ltr`."""


@dataclass(frozen=True, slots=True)
class PageInfo:
    """`page` in every template."""

    kind: str
    path: str
    title: str
    canonical: str
    """Absolute URL of this page."""


@dataclass(frozen=True, slots=True)
class Pagination:
    """`pagination` on paginated pages."""

    number: int
    count: int
    prev_path: str
    next_path: str
    page_paths: list[str] = field(repr=False)
    """Every page of the list, first to last: the same list on each of its pages. Left out of `repr` (which
    page keys are made of): it follows from the page's own path and `count`, and spelling it out on each page
    made planning a list of N pages take time in N squared."""


_PLAIN_CALLABLES: frozenset[type] = frozenset(
    {types.BuiltinMethodType, jinja2.runtime.Macro, CommentTree, CommentEntries, Linker, AbsoluteUrl, AtomId}
)
"""Callables that never take Jinja's context, eval context or environment: built-in methods (`dict.get`,
`list.append`), macros (and their twins' stand-ins), `url()`, `absolute_url()` and `atom_id()`. A template
call of one skips Jinja's checks for `pass_context` & co."""

TWINS: dict[str, Twin] = {twin.sha256: twin for twin in (comment_html.TWIN, feed_xml.TWIN)}
"""Python twins of bundled partials, by the SHA-256 of the partial's text (`twins.py`)."""


class _Context(jinja2.runtime.Context):
    """Jinja's template context with a quicker `call` for the callables templates call most (per comment)."""

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if type(__obj) not in _PLAIN_CALLABLES:
            return jinja2.runtime.Context.call(__self, __obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, writing autoescaped output through `escape_output` (same text, less work)."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)


class _Environment(jinja2.Environment):
    """The theme environment: a quicker template `call`, quicker autoescaped output, and the Python twins of
    bundled partials (`twins.py`) wherever a template's text is exactly such a partial's."""

    code_generator_class = _CodeGenerator
    context_class = _Context
    template_class = ThemeTemplate
    escape_output = staticmethod(escape_output)
    python_twins = True
    """False: every template renders as written (tests compare the two)."""

    @internalcode
    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> jinja2.Template:
        template = super()._load_template(name, globals)
        if isinstance(template, ThemeTemplate) and not template.twin_checked:  # loaded now, not from the cache
            if self.python_twins and self.loader is not None:
                template.twin = TWINS.get(source_digest(self.loader.get_source(self, name)[0]))
            template.twin_checked = True
        return template


class _LinkCheckingLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that is a symbolic link (or reached through one) to a file outside
    `root` or into a hidden part of it (`load.escapes`): an error naming the template, never its target's text."""

    def __init__(self, folder: Path, root: Path, where: str, site_dir: Path) -> None:
        super().__init__(folder)
        self._root, self._where, self._site_dir = root, where, site_dir

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if escapes(filename, self._root):
            shown = display_path(Path(filename), self._site_dir)
            raise SourceError(shown, 0, link_refused(self._where), hint=LINK_HINT)
        return source, filename, uptodate


def _theme_loader(folder: Path, site_dir: Path) -> _LinkCheckingLoader:
    return _LinkCheckingLoader(folder / "templates", folder, f"the theme folder {folder.name}/", site_dir)


def make_environment(theme: Theme, site_dir: Path, *, python_twins: bool = True) -> jinja2.Environment:
    """Site templates first, then the theme and the themes it extends; `!name/x.html` reaches one theme.

    `python_twins=False`: bundled partials with a Python twin render through their macros too, never the twin.
    """
    site_templates = site_dir / "templates"
    loaders: list[jinja2.BaseLoader] = []
    if site_templates.is_dir():
        loaders.append(_LinkCheckingLoader(site_templates, site_dir, "the site folder", site_dir))
    loaders.extend(_theme_loader(folder, site_dir) for folder in theme.chain)
    prefixed = {f"!{folder.name}": _theme_loader(folder, site_dir) for folder in theme.chain}
    loaders.append(jinja2.PrefixLoader(prefixed, delimiter="/"))
    environment = _Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # no look at each template file's stamp on every page: the builds make a new environment when a
        # template's bytes change (`incremental.render_key`, `work.renderer_for`)
        auto_reload=False,
    )
    environment.python_twins = python_twins
    return environment


def paginate(
    base: str, items: list[EnrichedThread], per_page: int
) -> Iterator[tuple[Pagination, list[EnrichedThread]]]:
    """Pages of `items`: `base` for the first, `base/page/N/` after."""
    count = max(1, math.ceil(len(items) / per_page))
    paths = [base if n == 1 else f"{base}page/{n}/" for n in range(1, count + 1)]
    for n in range(1, count + 1):
        pagination = Pagination(
            number=n,
            count=count,
            prev_path=paths[n - 2] if n > 1 else "",
            next_path=paths[n] if n < count else "",
            page_paths=paths,
        )
        yield pagination, items[(n - 1) * per_page : n * per_page]


def plan_pages(site: Site) -> Iterator[Page]:
    """Every page of the site, in a fixed order: thread pages, then lists, feeds and the rest."""
    for item in site.threads:
        yield from thread_pages(item, site.config, related_cards(item, site))
    yield from list_pages(site)


def list_pages(site: Site) -> Iterator[Page]:
    """Every page that is not a thread page: indexes, tags, archive, feeds, sitemap, stats, 404."""
    config = site.config
    card = _card_maker()
    for pagination, items in paginate("/", site.threads, config.per_page):
        title = "" if pagination.number == 1 else f"Page {pagination.number}"
        kind = "home" if pagination.number == 1 else "index"
        yield Page(
            pagination.page_paths[pagination.number - 1],
            "index.html",
            kind,
            title,
            {"threads": [card(t) for t in items], "pagination": pagination},
        )
    yield Page("/tags/", "tags.html", "tags", "Tags", {"tags": tag_index(site)})
    for tag in site.tags:
        for pagination, items in paginate(tag.url, tag.threads, config.per_page):
            title = f"Tag: {tag.name}" + ("" if pagination.number == 1 else f" (page {pagination.number})")
            yield Page(
                pagination.page_paths[pagination.number - 1],
                "tag.html",
                "tag",
                title,
                {
                    "tag": tag_view(tag),
                    "threads": [card(t) for t in items],
                    "pagination": pagination,
                },
            )
        yield Page(
            f"{tag.url}feed.xml",
            "feed.xml",
            "feed",
            f"Tag: {tag.name}",
            {
                "feed_path": f"{tag.url}feed.xml",
                "alternate_path": tag.url,
                "threads": [card(t) for t in tag.threads[: config.feed_items]],
                "updated": _newest(tag.threads),
            },
        )
    undated = [card(t) for t in site.undated()]
    yield Page(
        "/archive/",
        "archive.html",
        "archive",
        "Archive",
        {"months": month_links(site.months, card), "undated": undated},
    )
    for month in site.months:
        yield Page(
            month.url,
            "month.html",
            "month",
            month.label,
            {"month": month_links([month])[0], "threads": [card(t) for t in month.threads]},
        )
    yield Page(
        "/feed.xml",
        "feed.xml",
        "feed",
        "",
        {
            "feed_path": "/feed.xml",
            "alternate_path": "/",
            "threads": [card(t) for t in site.threads[: config.feed_items]],
            "updated": _newest(site.threads),
        },
    )
    yield Page(
        "/sitemap.xml",
        "sitemap.xml",
        "sitemap",
        "",
        {
            "threads": [card(t) for t in site.threads],
            "tags": tag_index(site),
            "months": month_links(site.months),
        },
    )
    yield Page("/stats/", "stats.html", "stats", "Statistics", site_statistics(site))
    yield Page("/robots.txt", "robots.txt", "robots", "", {})
    yield Page("/404.html", "404.html", "404", "Page not found", {})
    if config.search:
        yield Page("/search/", "search.html", "search", "Search", {})


def _card_maker() -> Callable[[EnrichedThread], ThreadCard]:
    """`context.thread_card`, made once per thread: a thread is listed on several pages (index, tags, month,
    feeds, sitemap), and every list shares its card."""
    cards: dict[int, ThreadCard] = {}

    def card(item: EnrichedThread) -> ThreadCard:
        found = cards.get(id(item))
        if found is None:
            found = cards[id(item)] = thread_card(item)
        return found

    return card


def thread_pages(item: EnrichedThread, config: SiteConfig, related: list[ThreadCard]) -> Iterator[Page]:
    """The thread page and the pages that continue its deepest branches."""
    parts = comment_pages(item, config.fold_depth)
    page_of: dict[str, str] = {}  # comment id -> the page showing it in its tree
    body_html: dict[str, Markup] = {}  # comment id -> its rendered body, for the feed
    author_of: dict[str, str] = {}  # comment id -> its author ("" when unknown), for the glance
    number_of: dict[str, int] = {}  # comment id -> its number in reading order, for key points
    for part in parts:
        for comment in _views_on(part.roots):
            page_of[comment.id] = part.path
            body_html[comment.id] = comment.body_html
            author_of[comment.id] = comment.author
            number_of[comment.id] = comment.number
    view = thread_view(item, page_of, related, author_of, number_of)
    for part in parts:
        if part.parent is None:
            variables = {"thread": view, "comments": part.roots, "fold_depth": config.fold_depth}
            yield Page(part.path, "thread.html", "thread", item.thread.title, variables)
        else:
            parent = part.parent
            variables = {
                "thread": view,
                "comments": part.roots,
                "parent": parent,
                "parent_url": f"{page_of.get(parent.id, item.url)}#{parent.anchor}",
                "fold_depth": config.fold_depth,
            }
            yield Page(part.path, "comments.html", "comments", f"{item.thread.title} (continued)", variables)
    feed = thread_feed(item, page_of, config.feed_items, body_html)
    yield Page(feed["feed_path"], "feed.xml", "feed", item.thread.title, feed)


def site_statistics(site: Site) -> dict[str, Any]:
    """Variables of the stats page: totals, threads per month and the busiest tags, as inline SVG charts."""
    per_month: list[tuple[str, int]] = []
    if site.months:
        counts = {m.key: len(m.threads) for m in site.months}
        year, month = site.months[-1].year, site.months[-1].month
        last = (site.months[0].year, site.months[0].month)
        while (year, month) <= last:
            key = f"{year:04d}-{month:02d}"
            per_month.append((key, counts.get(key, 0)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    busiest = sorted(((t.name, len(t.threads)) for t in site.tags), key=lambda p: (-p[1], p[0].casefold()))[:15]
    return {
        "totals": {
            "threads": len(site.threads),
            "comments": sum(t.comment_count for t in site.threads),
            "tags": len(site.tags),
            "undated": len(site.undated()),
        },
        "per_month_svg": Markup(
            column_chart_svg(per_month, "Threads per month", height=160, unit="threads", per="a month")
        ),
        "busiest_tags_svg": Markup(bar_chart_svg(busiest, "Busiest tags", unit="threads")),
        "per_month": per_month,
        "busiest_tags": busiest,
    }


def related_cards(item: EnrichedThread, site: Site) -> list[ThreadCard]:
    return [thread_card(site.by_slug[slug]) for slug in item.related if slug in site.by_slug]


def _views_on(roots: list[CommentView]) -> Iterator[CommentView]:
    stack = list(roots)
    while stack:
        view = stack.pop()
        yield view
        stack.extend(view.replies)


def _newest(items: list[EnrichedThread]) -> str:
    """ISO date of the newest dated thread; the epoch when none (never the build time)."""
    for item in items:
        if item.thread.date is not None:
            return iso(item.thread.date)
    return "1970-01-01T00:00:00Z"


class Renderer:
    """Renders pages of one site with one theme."""

    def __init__(self, config: SiteConfig, theme: Theme, *, python_twins: bool = True) -> None:
        self.config = config
        self.site_view = site_view(config)
        self.absolute_url = AbsoluteUrl(config)
        self.env = make_environment(theme, config.site_dir, python_twins=python_twins)
        self.env.globals["uuid5"] = uuid5_text
        self.env.globals["jsonld_json"] = jsonld_json
        self.env.globals["atom_id"] = AtomId(config.title, self.absolute_url)

    def render(self, page: Page) -> bytes:
        config = self.config
        info = PageInfo(kind=page.kind, path=page.path, title=page.title, canonical=self.absolute_url(page.path))
        linker = Linker(config, page.path)
        try:
            template = self.env.get_template(page.template)
            text = template.render(
                site=self.site_view,
                page=info,
                url=linker,
                absolute_url=self.absolute_url,
                **page.variables,
            )
        except SourceError:
            raise  # a template the loader refused (a symbolic link out of its folder)
        except jinja2.TemplateSyntaxError as exc:
            raise SourceError(_shown(exc.filename, config), exc.lineno, f"template error: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise SourceError(f"template {page.template}", 0, f"template not found: {exc.name}") from exc
        except Exception as exc:  # a theme bug: name the template line, keep the cause
            filename, line = _template_frame(exc)
            raise SourceError(
                _shown(filename, config) if filename else f"template {page.template}",
                line,
                f"template error while rendering {page.path}: {type(exc).__name__}: {exc}",
            ) from exc
        if page.kind == "feed":
            text = resolve_site_paths(text, self.absolute_url, escaped=True)
        else:
            text = resolve_site_paths(text, linker)
        return text.encode("utf-8")


_URL_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")
"""Characters `urllib.parse.quote` never changes."""


def anchor_url_function(absolute_url: Callable[[str], str], page_path: str) -> Callable[[str], str]:
    """`absolute_url(page_path + "#" + anchor)` as a function of `anchor`, quicker for plain anchors (quoting is
    done character by character, and leaves those characters as they are)."""
    page_url = absolute_url(page_path + "#")

    def anchor_url(anchor: str) -> str:
        return page_url + anchor if _URL_PLAIN.fullmatch(anchor) else absolute_url(page_path + "#" + anchor)

    return anchor_url


@jinja2.pass_context
def jsonld_json(
    context: jinja2.runtime.Context, thread: ThreadView, comments: list[CommentView], limit: int = 100
) -> Markup:
    """`jsonld_json(thread, comments, limit)` in templates: the thread page's JSON-LD (`jsonld.py`) as JSON safe
    inside `<script>`, written as Jinja's `|tojson` writes it (sorted keys; `<`, `>`, `&` and `'` escaped)."""
    page: PageInfo = context["page"]
    anchor_url = anchor_url_function(context["absolute_url"], page.path)
    return Markup(discussion_jsonld_json(thread, comments, page.canonical, anchor_url, limit))


def site_view(config: SiteConfig) -> SiteView:
    return SiteView(
        title=config.title,
        description=config.description,
        language=config.language,
        author=config.author,
        base_url=config.base_url,
        search=config.search,
        direction=text_direction(config.language),
    )


def _template_frame(exc: BaseException) -> tuple[str, int]:
    """The innermost traceback frame that is in a template file."""
    found = ("", 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            found = (frame.filename, frame.lineno or 0)
    return found


def _shown(filename: str | None, config: SiteConfig) -> str:
    if not filename:
        return "template"
    try:
        return Path(filename).resolve().relative_to(config.site_dir.resolve()).as_posix()
    except ValueError:
        return filename
