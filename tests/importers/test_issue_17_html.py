"""Issue 17 items 12-15: HTML bodies (Discourse, HN, Stack Exchange, Mastodon) and site-relative links, on real
exports: the corpus (../shared/corpus) and topics of the Urho3D forum archive (../shared/corpus-large)."""

from __future__ import annotations

import json
import re
import tarfile
from functools import cache
from pathlib import Path

import pytest
from support import SHARED, corpus_dir, require_shared

from site_src.enrich.text import markdown_to_plain
from site_src.importers import ImportOptions, ImportWarning_, import_paths
from site_src.importers.html_to_markdown import emoji_character, html_to_markdown
from site_src.markup import render_markdown
from site_src.model import Thread

ARCHIVE = SHARED / "corpus-large" / "urho3d-discourse" / "urho-json.tar.xz"
TOPICS = (
    "2d-dynamic-light-system.6344.json",  # a lazyYT YouTube embed
    "existence-video-log.255.json",  # <iframe> embeds
    "character-movement-physics-flickering.4075.json",  # a <video>
    "adding-to-deferred-g-buffer.1858.json",  # lightbox images with captions
    "alternative-chat-for-urho3d.6603.json",  # a poll: 6 + 6 votes, 12 voters in `polls`
    "asserts-on-scene-clear.1353.json",  # a spoiler
)


@cache
def _archive_members() -> dict[str, bytes]:
    """The named topics, read from the archive in one pass (it is never unpacked into the repository)."""
    found: dict[str, bytes] = {}
    with tarfile.open(require_shared(ARCHIVE)) as archive:
        for member in archive:
            name = member.name.rsplit("/", 1)[-1]
            if name in TOPICS:
                handle = archive.extractfile(member)
                assert handle is not None
                found[name] = handle.read()
    return found


def _topic(name: str, tmp_path: Path, **options: object) -> Thread:
    path = tmp_path / name
    path.write_bytes(_archive_members()[name])
    [thread] = import_paths("discourse", [str(path)], ImportOptions(**options))  # type: ignore[arg-type]
    return thread


def _texts(thread: Thread) -> list[str]:
    return [thread.body, *(c.body for c, _ in thread.walk())]


def _outside_code(markdown: str) -> str:
    return re.sub(r"```.*?```|`[^`\n]*`", "", markdown, flags=re.DOTALL)


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("discourse", "discourse/urho3d_migration-from-custom-container-library-to-augmented-eastl.5872.json"),
        ("discourse", "discourse/urho3d_little-question-about-glsl-shader.4113.json"),
        ("stackexchange", "other/stackexchange_coffee_2015_Posts.xml"),
        ("mastodon", "other/mastodon_context_109294719267373593.json"),
        ("mbox", "mbox/apache_users-ponymail_2019-09.mbox"),
    ],
)
def test_issue_17_br_is_a_line_break_not_a_backslash(source: str, name: str) -> None:
    threads = list(import_paths(source, [str(corpus_dir() / name)]))
    breaks = 0
    for thread in threads:
        for text in _texts(thread):
            prose = _outside_code(text)
            assert not re.search(r"\\$", prose, re.MULTILINE), text  # a backslash ending a line shows as one
            breaks += prose.count("  \n")
            html = str(render_markdown(text))
            assert not re.search(r"\\</p>|\\<br>", html)
            plain = markdown_to_plain(text).text  # what summaries and key points read
            assert not re.search(r"\\$", plain, re.MULTILINE)
    assert breaks > 0


def test_issue_17_br_at_paragraph_end_and_inside_emphasis() -> None:
    assert html_to_markdown("<p>one<br>two<br></p><p>three</p>") == "one  \ntwo\n\nthree"
    assert html_to_markdown("<p><b>bold<br></b>next</p>") == "**bold**  \nnext"
    assert str(render_markdown(html_to_markdown("<p>a<br>b</p>"))) == "<p>a<br>\nb</p>\n"


def test_issue_17_discourse_embeds_are_links_with_titles(tmp_path: Path) -> None:
    youtube = _topic("2d-dynamic-light-system.6344.json", tmp_path)
    assert "[▶ 2d light system](https://www.youtube.com/watch?v=SVZiXz78pUI)" in youtube.body
    iframes = _topic("existence-video-log.255.json", tmp_path)
    links = re.findall(r"\[▶ [^\]]+\]\((https://www\.youtube\.com/watch\?v=[\w-]+)\)", "\n".join(_texts(iframes)))
    assert len(links) >= 2
    assert all(c.body.strip() for c, _ in iframes.walk() if c.extra.get("kind") is None)  # no post became empty
    video = _topic("character-movement-physics-flickering.4075.json", tmp_path)
    assert "[▶ Video: 0acb440e15.mp4](https://puu.sh/zCc1X/0acb440e15.mp4)" in "\n".join(_texts(video))


def test_issue_17_lightbox_captions_are_not_glued_to_images(tmp_path: Path) -> None:
    thread = _topic("adding-to-deferred-g-buffer.1858.json", tmp_path)
    text = "\n".join(_texts(thread))
    assert "habrastorage.org/files/f34/422/ef5/f34422ef554f49a3979f85c4cd9ac35c.jpg" in text
    assert not re.search(r"\d+×\d+", text)  # the lightbox caption: size and bytes
    assert not re.search(r"\.(?:jpg|png|gif)\d", text, re.IGNORECASE)


def test_issue_17_onebox_is_a_compact_quoted_link_card() -> None:
    thread = next(iter(import_paths("discourse", [str(corpus_dir() / "discourse/urho3d_a-spork-of-leith.5516.json")])))
    card = (
        "> **[LeithKetchell/UrhoMaster](https://github.com/LeithKetchell/UrhoMaster)**  \n"
        "> Contribute to LeithKetchell/UrhoMaster development by creating an account on GitHub.  \n"
        "> — GitHub"
    )
    assert card in thread.body
    assert "favicon" not in thread.body and "###" not in thread.body


def test_issue_17_emoji_shortcodes_become_characters() -> None:
    thread = next(iter(import_paths("discourse", [str(corpus_dir() / "discourse/urho3d_a-spork-of-leith.5516.json")])))
    text = "\n".join(_texts(thread))
    assert "😉" in text
    assert not re.search(r":[a-z_]+:", _outside_code(text))
    assert emoji_character(":slight_smile:") == "🙂" and emoji_character(":+1:") == "👍"
    assert emoji_character(":no_such_emoji:") == ":no_such_emoji:"


def test_issue_17_poll_counts_come_from_the_polls_field(tmp_path: Path) -> None:
    thread = _topic("alternative-chat-for-urho3d.6603.json", tmp_path)
    assert "- No, I’ll stick to Discourse — 6 votes\n- Yes, I’d use a chat, too — 6 votes" in thread.body
    assert "12 voters" in thread.body and "0 voters" not in thread.body


def _outside(page: str, tag: str) -> str:
    return re.sub(rf'<{tag} class="spoiler".*?</{tag}>', "", page, flags=re.DOTALL)


def test_issue_17_spoiler_is_hidden_until_clicked(tmp_path: Path) -> None:
    """A Discourse spoiler around a stack trace (archive) and a block spoiler of paragraphs (corpus): the text is
    inside the hidden element, nowhere else on the page."""
    thread = _topic("asserts-on-scene-clear.1353.json", tmp_path)
    assert "**Spoiler:**" not in "".join(_texts(thread))
    [body] = [t for t in _texts(thread) if "btFreeDefault" in t]
    page = str(render_markdown(body))
    assert '<span class="spoiler" tabindex="0"><code>btFreeDefault' in page
    assert "btFreeDefault" not in _outside(page, "span")
    [topic] = import_paths("discourse", [str(corpus_dir() / "discourse/criticalfallibilism_t2144_posts_pn41.json")])
    [block] = [t for t in _texts(topic) if "futility of achieving physical values" in t]
    assert "\n::: spoiler\nA part of the theme" in block
    page = str(render_markdown(block))
    assert '<details class="spoiler"><summary>Spoiler</summary>\n<p>A part of the theme' in page
    assert "futility" not in _outside(page, "details")


def test_issue_17_inline_spoiler_of_a_real_discourse_topic_is_hidden() -> None:
    path = corpus_dir() / "discourse/criticalfallibilism_t2144_posts_page1.json"
    [thread] = import_paths("discourse", [str(path)])
    [body] = [t for t in _texts(thread) if "audiences are OK with Jinu dying" in t]
    assert "\\>! audiences are OK with Jinu dying" not in body  # spaces inside the markers are trimmed
    page = str(render_markdown(body))
    assert '<span class="spoiler" tabindex="0">audiences are OK with Jinu dying' in page
    assert "&gt;!" not in page and "!&lt;" not in page


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ('<p>It is <span class="spoiler">the <b>butler</b></span>.</p>', "It is \\>!the **butler**!<."),
        ('<div class="spoiler"><p>one</p><p>two</p></div>', "::: spoiler\none\n\ntwo\n:::"),
        (
            "<details><summary>Logs</summary><pre>:::\n</pre><p>end</p></details>",
            ":::: spoiler Logs\n```\n:::\n```\n\nend\n::::",
        ),
        ("<p>::: spoiler typed</p>", "\\::: spoiler typed"),
    ],
)
def test_issue_17_spoiler_and_details_html_become_the_thread_file_syntax(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def test_issue_17_reddit_spoiler_at_the_start_of_a_line_is_not_a_quote(tmp_path: Path) -> None:
    page = json.loads((corpus_dir() / "reddit-json/praw_54hhwl_redditdev_deep_chain.json").read_text())
    first = page[1]["data"]["children"][0]["data"]
    first["body"] = ">!Snape kills Dumbledore!< and\n\n> >!quoted!<\n\n```\n>!code!<\n```\n\n::: spoiler\ntyped\n:::"
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    [thread] = import_paths("reddit", [str(path)])
    body = next(c.body for c, _ in thread.walk() if "Snape" in c.body)
    page_html = str(render_markdown(body))
    assert '<p><span class="spoiler" tabindex="0">Snape kills Dumbledore</span> and</p>' in page_html
    assert '<blockquote>\n<p><span class="spoiler" tabindex="0">quoted</span></p>' in page_html
    assert "<code>&gt;!code!&lt;\n</code>" in page_html
    assert "<details" not in page_html and "<p>::: spoiler\ntyped\n:::</p>" in page_html  # no syntax on Reddit


def test_issue_17_hn_italics_across_paragraphs_keep_the_paragraphs() -> None:
    """HN writes `<p>` without closing it; an `<i>` opened in one paragraph runs through the next ones."""
    data = json.loads((corpus_dir() / "other/hnpwa_item_26312516_circumflex.json").read_text(encoding="utf-8"))
    stack, html = list(data["comments"]), ""
    while stack and not html:
        comment = stack.pop()
        if comment.get("content", "").count("<p>") >= 3:
            html = comment["content"]
        stack.extend(comment.get("comments", []))
    paragraphs = [p for p in re.split(r"<p>|</p>", html) if p.strip()]
    italic = "<i>" + "<p>".join(paragraphs[:3]) + "</i><p>" + "<p>".join(paragraphs[3:])
    markdown = html_to_markdown(italic)
    assert markdown.count("\n\n") == len(paragraphs) - 1
    assert all(block.startswith("*") and block.endswith("*") for block in markdown.split("\n\n")[:3])
    closed = "<p><i>one</p><p>two</p><p>three</i></p><p>four</p>"  # the same with each paragraph closed
    assert html_to_markdown(closed) == "*one*\n\n*two*\n\n*three*\n\nfour"


def test_issue_17_reddit_site_relative_links_are_resolved() -> None:
    [thread] = import_paths("reddit", [str(corpus_dir() / "reddit-json/praw_n49rw_announcements_full.json")])
    text = "\n".join(_texts(thread))
    assert "](https://www.reddit.com/r/mylittlepony)" in text
    assert not re.search(r"\]\(\s*/(?!/)", _outside_code(text))
    assert '[Let the pony flow through you.](https://www.reddit.com/pinkamina "Let the pony flow through you.")' in text


def test_issue_17_discourse_links_resolve_against_the_forum_the_topic_names() -> None:
    path = corpus_dir() / "discourse/urho3d_migration-from-custom-container-library-to-augmented-eastl.5872.json"
    [thread] = import_paths("discourse", [str(path)])
    assert (
        thread.source == "https://discourse.urho3d.io/t/migration-from-custom-container-library-to-augmented-eastl/5872"
    )
    text = _outside_code("\n".join(_texts(thread)))
    assert not re.search(r"\]\(\s*/(?!/)", text)
    assert "](https://discourse.urho3d.io/" in text


def test_issue_17_discourse_warns_when_the_forum_is_unknown(tmp_path: Path) -> None:
    page = {"id": 7, "title": "T", "post_stream": {"posts": [
        {"post_number": 1, "topic_id": 7, "username": "a", "cooked": '<p><a href="/t/other/8">see</a></p>'},
    ]}}  # fmt: skip
    path = tmp_path / "t.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    warnings: list[ImportWarning_] = []
    [thread] = import_paths("discourse", [str(path)], ImportOptions(warn=warnings.append))
    assert thread.body == "[see](/t/other/8)"
    assert len(warnings) == 1 and "--base-url" in str(warnings[0])


def test_issue_17_stack_exchange_answers_resolve_links_and_a_warning_when_the_site_is_unknown() -> None:
    path = str(corpus_dir() / "other/stackexchange_coffee_2015_Posts.xml")
    warnings: list[ImportWarning_] = []
    threads = list(import_paths("stackexchange", [path], ImportOptions(warn=warnings.append)))
    relative = sum(len(re.findall(r"\]\(<?/(?!/)", text)) for t in threads for text in _texts(t))
    assert relative and len(warnings) == 1 and f"{relative} site-relative" in str(warnings[0])
    warnings.clear()
    options = ImportOptions(base_url="https://coffee.stackexchange.com", warn=warnings.append)
    threads = list(import_paths("stackexchange", [path], options))
    assert not warnings
    assert not any(re.search(r"\]\(<?/(?!/)", text) for t in threads for text in _texts(t))  # answers too


def test_issue_17_mastodon_content_warning_hides_the_status_until_clicked(tmp_path: Path) -> None:
    data = json.loads((corpus_dir() / "other/mastodon_context_109294719267373593.json").read_text())
    status = data["descendants"][0]
    status["spoiler_text"] = "Ending of *the film*"
    path = tmp_path / "context.json"
    path.write_text(json.dumps(data))
    [thread] = import_paths("mastodon", [str(path)])
    [comment] = [c for c, _ in thread.walk() if c.id == str(status["id"])]
    assert comment.extra["cw"] == "Ending of *the film*"
    assert comment.body.startswith("::: spoiler Ending of *the film*\n")
    page = str(render_markdown(comment.body))
    assert page.startswith('<details class="spoiler"><summary>Ending of *the film*</summary>\n')
    assert markdown_to_plain(comment.body).blocks == ()
