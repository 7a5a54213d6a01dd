"""Merge a newly imported copy of a thread into the copy already known: nothing is lost, newer data wins.

In: the thread as known (a file on disk, an earlier page of the same run) and the thread as imported now
(another page of it, a fresh download). Out: one Thread, and a `MergeReport` saying what changed.

The rules, the same for every importer, for `digest import` (a thread file already in the folder), for raw
exports dropped into `content/` (several pages of one thread) and for `digest refresh`:

- Comments are united by id. A comment in both copies takes the incoming copy's text, score and keys
  (newer data wins), except that an incoming `[deleted]` / `[removed]` stand-in never overwrites a real
  text: the last text is kept and the comment is marked `deleted_upstream`. When both copies say when they
  were edited, the later edit wins whichever copy it is in.
- A comment keeps its place under its parent; one that came without its parent (`missing_parent`, e.g. the
  root of a "continue this thread" page) is put under the parent as soon as either copy has it.
- A stand-in post (`missing_post`) is replaced by the real one, never the reverse. A title taken from a
  slug (`title_from`) gives way to a real title.
- People's edits (`tags`, `summary`, `slug`, `draft`) of the known copy win.
- With `complete=True` (a fresh download of the whole thread, nothing left unexpanded), a known comment
  missing from the incoming copy is kept with its last text and marked `deleted_upstream`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Comment, Thread
from .common import ancestors, build_tree, present_ancestor

GONE_BODIES = frozenset({"[deleted]", "[removed]", ""})
"""Bodies a source shows in place of a comment that was taken down."""

_GONE_KEYS = ("deleted", "removed", "dead")
"""Keys a source sets on a comment that was taken down."""

_HUMAN = ("tags", "summary", "slug", "draft")


@dataclass(slots=True)
class MergeReport:
    """What a merge changed in the known copy."""

    added: list[str] = field(default_factory=list)
    """Ids of comments the known copy did not have."""
    edited: list[str] = field(default_factory=list)
    """Ids of comments whose text changed."""
    deleted: list[str] = field(default_factory=list)
    """Ids of comments taken down upstream since (kept with their last text)."""
    post: str = ""
    """`replaced` (a stand-in post gave way to the real one), `edited` (its text changed) or ""."""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.edited or self.deleted or self.post)

    def describe(self) -> str:
        """`3 new, 1 edited, 2 deleted upstream, post replaced` or `no change`."""
        parts = [f"{len(self.added)} new"] if self.added else []
        if self.edited:
            parts.append(f"{len(self.edited)} edited")
        if self.deleted:
            parts.append(f"{len(self.deleted)} deleted upstream")
        if self.post:
            parts.append(f"post {self.post}")
        return ", ".join(parts) or "no change"

    def add(self, other: MergeReport) -> None:
        """Count `other` in too (several pages merged into one thread)."""
        self.added.extend(i for i in other.added if i not in self.added)
        self.edited.extend(i for i in other.edited if i not in self.edited and i not in self.added)
        self.deleted.extend(i for i in other.deleted if i not in self.deleted)
        self.post = self.post or other.post


def thread_key(thread: Thread) -> tuple[str, str] | None:
    """(origin, origin id) of an imported thread: two copies with the same key are one thread; None if not imported."""
    origin, origin_id = thread.extra.get("origin"), thread.extra.get("origin_id")
    if origin is None or origin_id is None:
        return None
    return str(origin), str(origin_id)


def _taken_down(comment: Comment) -> bool:
    return comment.body.strip() in GONE_BODIES or any(comment.extra.get(k) is True for k in _GONE_KEYS)


def _flat(thread: Thread) -> list[tuple[Comment, str | None]]:
    """(comment, parent id) in reading order; a comment answering an absent one names it (when it sits under
    an ancestor, only if that ancestor is recorded in its `references`, which `build_tree` falls back on)."""
    pairs: list[tuple[Comment, str | None]] = []
    stack: list[tuple[Comment, str | None]] = [(c, None) for c in reversed(thread.comments)]
    while stack:
        comment, parent = stack.pop()
        missing = comment.extra.get("missing_parent")
        orphan = isinstance(missing, str | int) and not isinstance(missing, bool)
        if orphan and (parent is None or parent in ancestors(comment)):
            parent = str(missing)
        pairs.append((comment, parent))
        stack.extend((reply, comment.id) for reply in reversed(comment.replies))
    return pairs


def _edit_time(comment: Comment) -> str | None:
    edited = comment.extra.get("edited")
    return edited if isinstance(edited, str) and edited else None


def _text(body: str) -> str:
    """A body as compared for "edited": line ends and surrounding blank lines do not count (file formats trim them)."""
    return "\n".join(line.rstrip() for line in body.strip().splitlines())


def _same_text(a: Comment, b: Comment) -> bool:
    return _text(a.body) == _text(b.body)


def _merge_comment(known: Comment, new: Comment, report: MergeReport) -> Comment:
    """The merged copy of one comment (replies are placed later)."""
    if _taken_down(new) and not _taken_down(known):
        kept = _copy(known)
        if new.score is not None:
            kept.score = new.score
        if known.extra.get("deleted_upstream") is not True:
            kept.extra["deleted_upstream"] = True
            report.deleted.append(known.id)
        return kept  # the last text stays
    newer = new
    known_edit, new_edit = _edit_time(known), _edit_time(new)
    if known_edit and new_edit and known_edit > new_edit:
        newer = known  # the known copy holds the later edit
    merged = _copy(newer)
    _hidden_replies(merged.extra, known, new)
    if merged.author is None and known.author is not None:
        merged.author = known.author
    if merged.date is None:
        merged.date = known.date
    if not _same_text(known, merged):
        report.edited.append(known.id)
    return merged


_MORE = ("more_replies", "more_url")


def _hidden_replies(extra: dict[str, Any], known: Comment | Thread, new: Comment | Thread) -> None:
    """Set the "N more replies" markers in `extra` from both copies: a copy that did not reach a comment's
    hidden replies (no replies, no marker) says nothing about them; replies one copy holds and the other
    hides are hidden no longer (a "continue this thread" link then goes; a count goes down by them)."""
    for key in _MORE:
        extra.pop(key, None)
    holder, other = (new, known) if any(k in new.extra for k in _MORE) else (known, new)
    if holder is known and (new.comments if isinstance(new, Thread) else new.replies):
        return  # the new copy shows the replies and hides none
    markers = {k: holder.extra[k] for k in _MORE if k in holder.extra}
    if not markers:
        return
    holder_replies = holder.comments if isinstance(holder, Thread) else holder.replies
    other_replies = other.comments if isinstance(other, Thread) else other.replies
    revealed = len({c.id for c in other_replies} - {c.id for c in holder_replies})
    count = markers.get("more_replies")
    if isinstance(count, int) and not isinstance(count, bool):
        if count - revealed <= 0:
            return
        markers["more_replies"] = count - revealed
    elif revealed:
        return
    extra.update(markers)


def _copy(comment: Comment) -> Comment:
    """The comment without replies and without `missing_parent` (`build_tree` names the parent again while it is
    absent; `_still_orphan` keeps it where nothing would)."""
    copy = Comment(comment.body, comment.id, comment.author, comment.date, comment.score, [], comment.line)
    copy.extra = {k: v for k, v in comment.extra.items() if k != "missing_parent"}
    return copy


def _still_orphan(copy: Comment, source: Comment, parent: str | None) -> Comment:
    """`copy` marked `missing_parent` again when `source` was and is placed under another comment than the one it
    answers (an ancestor, in a file without `references`): `build_tree` will not see an absent parent there."""
    missing = source.extra.get("missing_parent")
    if missing is not None and parent is not None and str(missing) != parent:
        copy.extra["missing_parent"] = missing
    return copy


def merge_thread(known: Thread, new: Thread, *, complete: bool = False) -> tuple[Thread, MergeReport]:
    """`new` merged into `known` (see the module docstring); neither is changed, the result is a new Thread."""
    report = MergeReport()
    merged = _merge_post(known, new, report)
    known_pairs, new_pairs = _flat(known), _flat(new)
    incoming = {c.id: (c, p) for c, p in new_pairs}
    seen: set[str] = set()
    pairs: list[tuple[Comment, str | None]] = []
    for comment, parent in known_pairs:
        if comment.id in seen:
            continue
        seen.add(comment.id)
        placed = comment
        if comment.id in incoming:
            other, other_parent = incoming[comment.id]
            copy = _merge_comment(comment, other, report)
            # a known placement beats an incoming "parent not here"; a real incoming parent beats a guess
            if other_parent is not None and (parent is None or other.extra.get("missing_parent") is None):
                parent, placed = other_parent, other
        else:
            copy = _copy(comment)
            if complete and not _taken_down(comment) and comment.extra.get("deleted_upstream") is not True:
                copy.extra["deleted_upstream"] = True
                report.deleted.append(comment.id)
        pairs.append((_still_orphan(copy, placed, parent), parent))
    fresh: list[tuple[Comment, str | None]] = []
    for comment, parent in new_pairs:
        if comment.id not in seen:
            seen.add(comment.id)
            report.added.append(comment.id)
            fresh.append((_still_orphan(_copy(comment), comment, parent), parent))
    merged.comments = build_tree(_in_order(pairs, fresh, [c.id for c, _ in new_pairs]))
    return merged, report


def _in_order(
    known: list[tuple[Comment, str | None]], fresh: list[tuple[Comment, str | None]], incoming: list[str]
) -> list[tuple[Comment, str | None]]:
    """Known and new (comment, parent) pairs in one reading order for `build_tree`: known siblings keep their
    order, and a new comment goes right after the sibling it follows in the incoming copy (first when none), so
    one run with two pages of a thread and two runs with one page each give the same file."""
    pairs = known + fresh
    ids = {c.id for c, _ in pairs}
    group = {c.id: (p if p in ids and p != c.id else _placed(c, p, ids)) for c, p in pairs}
    siblings: dict[str | None, list[str]] = {}
    for comment, _parent in known:
        siblings.setdefault(group[comment.id], []).append(comment.id)
    follows: dict[tuple[str | None, str | None], list[str]] = {}  # (group, sibling or None) -> new ids after it
    last: dict[str | None, str | None] = {}
    is_new = {c.id for c, _ in fresh}
    for comment_id in incoming:
        if comment_id not in group:
            continue
        where = group[comment_id]
        if comment_id in is_new:
            follows.setdefault((where, last.get(where)), []).append(comment_id)
        last[where] = comment_id
    children: dict[str | None, list[str]] = {}
    for where in set(siblings) | {g for g, _ in follows}:
        ordered: list[str] = []
        stack = list(reversed(follows.get((where, None), [])))
        queue = list(reversed(siblings.get(where, [])))
        while stack or queue:
            current = stack.pop() if stack else queue.pop()
            ordered.append(current)
            stack.extend(reversed(follows.get((where, current), [])))
        children[where] = ordered
    by_id = {c.id: (c, p) for c, p in pairs}
    out: list[tuple[Comment, str | None]] = []
    emitted: set[str] = set()
    walk = list(reversed(children.get(None, [])))
    while walk:  # parents before their replies, siblings in order
        current = walk.pop()
        if current in emitted:
            continue
        emitted.add(current)
        out.append(by_id[current])
        walk.extend(reversed(children.get(current, [])))
    out.extend(pair for pair in pairs if pair[0].id not in emitted)  # a cycle: build_tree breaks it
    return out


def _placed(comment: Comment, parent: str | None, ids: set[str]) -> str | None:
    """Where `build_tree` puts a comment whose parent is not among `ids`: its nearest present ancestor, or the top."""
    return None if parent is None else present_ancestor(comment, ids)


def _merge_post(known: Thread, new: Thread, report: MergeReport) -> Thread:
    """The thread's own fields: the real post wins over a stand-in, newer wins otherwise, people's edits stay."""
    known_stand_in = known.extra.get("missing_post") is True
    new_stand_in = new.extra.get("missing_post") is True
    taken_down = _taken_down_post(new) and not _taken_down_post(known) and not known_stand_in
    if (new_stand_in and not known_stand_in) or taken_down:
        base, other = known, new  # a stand-in never replaces the real post; a post taken down keeps its last text
        if taken_down and known.extra.get("deleted_upstream") is not True:
            report.post = "deleted upstream"
    else:
        base, other = new, known
        if known_stand_in and not new_stand_in:
            report.post = "replaced"
        elif not new_stand_in:
            retitled = known.title != new.title and new.extra.get("title_from") != "slug"
            if retitled or _text(known.body) != _text(new.body):
                report.post = "edited"
    merged = Thread(
        title=base.title,
        path=known.path,
        source=base.source or other.source,
        author=base.author if base.author is not None else other.author,
        date=base.date or other.date,
        tags=list(known.tags or new.tags),
        summary=known.summary if known.summary is not None else new.summary,
        slug=known.slug if known.slug is not None else new.slug,
        draft=known.draft,
        locked=base.locked,
        body=base.body,
        declared_comments=base.declared_comments if base.declared_comments is not None else other.declared_comments,
    )
    extra: dict[str, Any] = dict(base.extra)
    for key, value in other.extra.items():
        extra.setdefault(key, value)
    if base.extra.get("title_from") == "slug" and other.extra.get("title_from") != "slug" and other.title:
        merged.title = other.title  # a posts.json page has no title: keep the real one
        extra.pop("title_from", None)
    if base.extra.get("missing_post") is not True:
        extra.pop("missing_post", None)
    if taken_down:
        extra["deleted_upstream"] = True
    if _partial(new) and not _partial(known):  # a branch's page says nothing about the thread's hidden replies
        for key in _MORE:
            extra.pop(key, None)
            if key in known.extra:
                extra[key] = known.extra[key]
    else:
        _hidden_replies(extra, known, new)
    merged.extra = extra
    return merged


def _partial(thread: Thread) -> bool:
    """A view of one branch (a "continue this thread" or context page): its top comments answer absent ones."""
    return bool(thread.comments) and all("missing_parent" in c.extra for c in thread.comments)


def _taken_down_post(thread: Thread) -> bool:
    return thread.body.strip() in GONE_BODIES - {""} or any(thread.extra.get(k) is True for k in _GONE_KEYS)


def merge_all(threads: list[Thread]) -> list[tuple[Thread, MergeReport]]:
    """Threads of one run (pages of the same thread, in the order given) merged by `thread_key`; order kept."""
    by_key: dict[tuple[str, str], int] = {}
    out: list[tuple[Thread, MergeReport]] = []
    for thread in threads:
        key = thread_key(thread)
        if key is None or key not in by_key:
            if key is not None:
                by_key[key] = len(out)
            out.append((thread, MergeReport()))
            continue
        index = by_key[key]
        merged, report = merge_thread(out[index][0], thread)
        out[index][1].add(report)
        out[index] = (merged, out[index][1])
    return out


__all__ = ["GONE_BODIES", "MergeReport", "merge_all", "merge_thread", "thread_key"]
