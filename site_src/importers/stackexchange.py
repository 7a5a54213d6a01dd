"""Stack Exchange data dump `Posts.xml` (and `Comments.xml`), or saved API JSON -> one Thread per question.

In: the path of a site dump's `Posts.xml` (possibly compressed), streamed with expat so the tree is
never held whole, and the paths of its `Comments.xml` if given. Rows: `PostTypeId` 1 = question,
2 = answer (`ParentId` names its question); other types (tag wikis, ...) are skipped. `Body` is HTML;
dates are UTC without a zone. Or saved API answers (`parse_stackexchange_api`).
Out: the question as the post (tags from `Tags`), each answer a top-level comment, the accepted one
marked `accepted`; each post's comments from `Comments.xml` (`c<Id>`): a question's before the answers,
an answer's under it. Rows come in `Id` order, but an answer moved from a merged question can be older
than the question it now belongs to: such an answer waits for its question. An answer whose question is
not in the file at all is a warning naming its line.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from ..model import Comment, Thread
from . import common
from .common import open_binary, thread_file_name, utc_from_epoch, utc_from_iso
from .errors import ImportFailure, ImportWarning_
from .html_to_markdown import html_to_markdown


@dataclass(slots=True)
class _Question:
    thread: Thread
    accepted: str | None = None
    answers: list[Comment] = field(default_factory=list)
    notes: list[Comment] = field(default_factory=list)
    """Comments on the question itself (`Comments.xml`), shown before the answers."""


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and re.fullmatch(r"-?\d+", value) else None


def _author(row: dict[str, str]) -> str | None:
    if row.get("OwnerDisplayName"):
        return row["OwnerDisplayName"]
    return f"user{row['OwnerUserId']}" if row.get("OwnerUserId") else None


def parse_stackexchange(
    path: str,
    base_url: str | None = None,
    data: bytes | None = None,
    warn: Callable[[ImportWarning_], None] | None = None,
    comment_files: Sequence[str] = (),
) -> Iterator[Thread]:
    """Stream `Posts.xml` at `path` (or `data` read from it); yield the questions with their answers at the end,
    with the comments of `comment_files` (the dump's `Comments.xml`) on the posts they belong to.

    A dump does not say which site it is: without `base_url`, site-relative links stay as they are and one
    warning (to `warn`) counts them."""
    questions: dict[str, _Question] = {}
    waiting: dict[str, list[tuple[Comment, int]]] = {}  # question id -> its answers seen before it, with their lines
    base = base_url.rstrip("/") if base_url else None
    with open_binary(path, common.MAX_LINE, data) as handle:  # a dump has a row a line: a line cap bounds a row
        try:
            for row, line in _rows(handle):
                kind = row.get("PostTypeId")
                if kind in ("1", "2") and not row.get("Id") and warn is not None:
                    warn(ImportWarning_(path, line, "post skipped: a question or answer row without an Id"))
                elif kind == "1" and row.get("Id"):
                    questions[row["Id"]] = _question(row, base)
                elif kind == "2" and row.get("Id"):
                    parent = questions.get(row.get("ParentId", ""))
                    if parent is None:
                        waiting.setdefault(row.get("ParentId", ""), []).append((_answer(row, base), line))
                    else:
                        parent.answers.append(_answer(row, base))
        except expat.ExpatError as exc:
            message = f"not well-formed XML (column {exc.offset + 1}): {expat.ErrorString(exc.code)}"
            raise ImportFailure(path, exc.lineno, message) from exc
    for question_id, early in waiting.items():
        question = questions.get(question_id)
        if question is not None:  # answers moved from a merged question: their Ids come first
            question.answers[:0] = [answer for answer, _line in early]
        elif warn is not None:
            for answer, line in early:
                question_name = question_id or "(no ParentId)"
                message = f"answer {answer.id} skipped: its question {question_name} is not in the file"
                warn(ImportWarning_(path, line, message))
    if not questions and not waiting:
        raise ImportFailure(path, 1, 'expected a Stack Exchange Posts.xml with <row PostTypeId="1" ...> questions')
    if base is None and warn is not None:
        relative = sum(
            len(_RELATIVE_LINK.findall(text))
            for q in questions.values()
            for text in (q.thread.body, *(a.body for a in q.answers))
        )
        if relative:
            message = f"{relative} site-relative link(s) kept as they are: the dump does not name its site"
            warn(ImportWarning_(path, 1, message + "; give --base-url https://SITE.stackexchange.com"))
    for comment_file in comment_files:
        _attach_comments(comment_file, questions, warn or (lambda _w: None))
    for question in questions.values():
        for answer in question.answers:
            if answer.id == question.accepted:
                answer.extra["accepted"] = True
        question.thread.comments = question.notes + question.answers
        yield question.thread


def is_comments_xml(path: str) -> bool:
    """Whether the file at `path` is a dump's `Comments.xml` (its root is `<comments>`)."""
    try:
        with open_binary(path) as handle:
            head = handle.read(512)
    except Exception:
        return False
    return re.search(rb"<comments[\s>]", head) is not None


def _attach_comments(path: str, questions: dict[str, _Question], warn: Callable[[ImportWarning_], None]) -> None:
    """Stream a `Comments.xml` (`Id`, `PostId`, `Text`, `Score`, `CreationDate`, `UserId` or, for a deleted
    user, `UserDisplayName`): a comment on a question goes before its answers, one on an answer under it, in
    the file's (Id) order, id `c<Id>`. Comments on posts not in the Posts.xml are other questions'."""
    targets: dict[str, list[Comment]] = {}
    for question_id, question in questions.items():
        targets[question_id] = question.notes
        for answer in question.answers:
            targets[answer.id] = answer.replies
    with open_binary(path, common.MAX_LINE) as handle:
        try:
            for row, line in _rows(handle):
                if not (row.get("Id") and row.get("PostId")):
                    warn(ImportWarning_(path, line, "comment skipped: a row without its Id or PostId"))
                    continue
                into = targets.get(row["PostId"])
                if into is None:
                    continue
                author = row.get("UserDisplayName") or (f"user{row['UserId']}" if row.get("UserId") else None)
                into.append(
                    Comment(
                        body=row.get("Text", ""),
                        id=f"c{row['Id']}",
                        author=author,
                        date=utc_from_iso(row.get("CreationDate")),
                        score=_int(row.get("Score")),
                    )
                )
        except expat.ExpatError as exc:
            message = f"not well-formed XML (column {exc.offset + 1}): {expat.ErrorString(exc.code)}"
            raise ImportFailure(path, exc.lineno, message) from exc


def _rows(handle: IO[bytes]) -> Iterator[tuple[dict[str, str], int]]:
    """Each `<row>`'s attributes with the line it starts on, read a block at a time."""
    found: list[tuple[dict[str, str], int]] = []
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "row":
            found.append((attrs, parser.CurrentLineNumber))

    parser.StartElementHandler = start
    while block := handle.read(1 << 16):
        parser.Parse(block, False)
        yield from found
        found.clear()
    parser.Parse(b"", True)
    yield from found


def _question(row: dict[str, str], base: str | None) -> _Question:
    title = row.get("Title") or f"Question {row['Id']}"
    thread = Thread(
        title=title,
        path=thread_file_name("se", row["Id"], title),
        source=f"{base}/q/{row['Id']}" if base else None,
        author=_author(row),
        date=utc_from_iso(row.get("CreationDate")),
        tags=re.findall(r"<([^<>]+)>", row.get("Tags", "")),
        locked=bool(row.get("ClosedDate")),
        body=html_to_markdown(row.get("Body", ""), base),
    )
    thread.extra.update({"origin": "se", "origin_id": row["Id"]})
    score = _int(row.get("Score"))
    if score is not None:
        thread.extra["score"] = score
    answers = _int(row.get("AnswerCount"))
    if answers is not None:
        thread.declared_comments = answers
    return _Question(thread, accepted=row.get("AcceptedAnswerId"))


_RELATIVE_LINK = re.compile(r"\]\(<?/(?!/)")


def _answer(row: dict[str, str], base: str | None) -> Comment:
    comment = Comment(
        body=html_to_markdown(row.get("Body", ""), base),
        id=row["Id"],
        author=_author(row),
        date=utc_from_iso(row.get("CreationDate")),
        score=_int(row.get("Score")),
    )
    if row.get("LastEditDate"):
        comment.extra["edited"] = True
    return comment


def is_api_json(path: str) -> bool:
    """Whether the (possibly compressed) file at `path` is JSON (an API answer) rather than a dump's XML; a file
    that cannot be read is not (reading it as XML gives its error)."""
    try:
        with open_binary(path) as handle:
            head = handle.read(256)
    except Exception:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"[")


def parse_stackexchange_api(
    texts: list[tuple[str, str]],
    base_url: str | None = None,
    warn: Callable[[ImportWarning_], None] | None = None,
) -> Iterator[Thread]:
    """(path, JSON text) pairs of saved API answers (`/questions/{ids}`, `/questions/{id}/answers`,
    `/answers/{ids}`, `.../comments`, with `filter=withbody`; the `{"items": [...]}` wrapper, a list of items,
    or one item) -> one Thread per question, with the answers and comments from all the texts (also those a
    filter embeds in a question or answer: `answers`, `comments`). The rows are made as `digest import URL`
    makes them, and read as a dump's; comments go on their posts as a dump's `Comments.xml` does. Without
    `base_url`, a question's `link` names its site. An answer or comment whose post is in none of the texts is
    a warning."""
    from .fetch_stackexchange import posts_xml

    skipped: Callable[[ImportWarning_], None] = warn or (lambda _w: None)
    questions: dict[int, tuple[dict[str, Any], str]] = {}
    answers: dict[int, dict[str, Any]] = {}
    notes: dict[int, tuple[dict[str, Any], str]] = {}  # comment id -> (comment item, its file)
    where: dict[int, str] = {}

    def add_notes(item: dict[str, Any], path: str) -> None:
        for note in item.get("comments") or []:
            if isinstance(note, dict) and isinstance(note.get("comment_id"), int):
                notes.setdefault(note["comment_id"], (note, path))

    for path, text in texts:
        for index, item in enumerate(_api_items(path, text)):
            if isinstance(item.get("comment_id"), int) and isinstance(item.get("post_id"), int):
                notes.setdefault(item["comment_id"], (item, path))
            elif isinstance(item.get("answer_id"), int) and isinstance(item.get("question_id"), int):
                answers.setdefault(item["answer_id"], item)
                where.setdefault(item["answer_id"], path)
                add_notes(item, path)
            elif isinstance(item.get("question_id"), int) and "title" in item:
                questions.setdefault(item["question_id"], (item, path))
                add_notes(item, path)
                for answer in item.get("answers") or []:
                    if isinstance(answer, dict) and isinstance(answer.get("answer_id"), int):
                        answers.setdefault(answer["answer_id"], answer)
                        where.setdefault(answer["answer_id"], path)
                        add_notes(answer, path)
            else:
                skipped(ImportWarning_(path, 1, f"items[{index}] skipped: not a question, an answer or a comment"))
    by_question: dict[int, list[dict[str, Any]]] = {}
    for answer_id in sorted(answers):
        answer = answers[answer_id]
        if answer.get("question_id") in questions:
            by_question.setdefault(answer["question_id"], []).append(answer)
        else:
            message = f"answer {answer_id} skipped: its question {answer.get('question_id')} is in none of the files"
            skipped(ImportWarning_(where[answer_id], 1, message))
    if not questions and not answers:
        raise ImportFailure(texts[0][0], 1, "expected Stack Exchange API items: questions or answers with a body")
    posts = {*questions, *(a for a in answers if answers[a].get("question_id") in questions)}
    on_post: dict[int, list[dict[str, Any]]] = {}
    for comment_id in sorted(notes):
        note, path = notes[comment_id]
        if note.get("post_id") in posts:
            on_post.setdefault(note["post_id"], []).append(note)
        else:
            message = f"comment {comment_id} skipped: its post {note.get('post_id')} is in none of the files"
            skipped(ImportWarning_(path, 1, message))
    for question_id, (question, path) in questions.items():
        link = question.get("link")
        found = _SITE.match(link) if isinstance(link, str) else None
        site = base_url or (found.group(0) if found else None)
        rows = posts_xml(question, by_question.get(question_id, []))
        for thread in parse_stackexchange(path, site, data=rows, warn=warn):
            mine = [_api_comment(note, site) for note in on_post.get(question_id, [])]
            for answer in thread.comments:
                answer.replies.extend(_api_comment(note, site) for note in on_post.get(int(answer.id), []))
            thread.comments[:0] = mine
            yield thread


def _api_comment(note: dict[str, Any], site: str | None) -> Comment:
    """An API comment (`comment_id`, `body_markdown` entity-escaped as the API sends it, or `body` HTML,
    `owner`, `creation_date`, `score`) -> Comment `c<id>`, as a dump's comment row gives."""
    markdown = note.get("body_markdown")
    if isinstance(markdown, str):
        body = html.unescape(markdown)
    else:
        body = html_to_markdown(note["body"], site) if isinstance(note.get("body"), str) else ""
    found = note.get("owner")
    owner: dict[str, Any] = found if isinstance(found, dict) else {}
    name = owner.get("display_name")
    return Comment(
        body=body,
        id=f"c{note['comment_id']}",
        author=html.unescape(name) if isinstance(name, str) and name else None,
        date=utc_from_epoch(note.get("creation_date")),
        score=note["score"] if type(note.get("score")) is int else None,
    )


_SITE = re.compile(r"https?://[A-Za-z0-9.-]+")


def _api_items(path: str, text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(path, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})") from exc
    if isinstance(data, dict) and data.get("error_id"):
        raise ImportFailure(path, 1, f"an API error, not data: {data.get('error_name')}: {data.get('error_message')}")
    items = data.get("items") if isinstance(data, dict) and "items" in data else data
    items = items if isinstance(items, list) else [items]
    return [item for item in items if isinstance(item, dict)]
