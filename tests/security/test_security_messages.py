"""What a build prints about a stranger's file cannot drive the terminal or forge a message.

Before: the excerpt under an error was the file's line as it was, so a thread whose first line held
`ESC ] 52 ; c ; ... BEL` (write the clipboard), `ESC [ 2 J` (clear the screen) or a carriage return reached the
terminal of whoever ran `digest build`; a file named `x<newline>site.toml:1: error: ...` printed a forged
message line of its own; a right-to-left override showed a name reversed. Now control characters (but tab and
line feed in text), and the bidirectional overrides, are printed as their escapes (`\\x1b`); in a path, tab and
line feed too. The same holds for `digest import`'s messages and `digest tags`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import make_project

from site_src.cli import main
from site_src.diagnostics import Problem, printable
from site_src.importers.errors import ImportFailure, ImportWarning_

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
"""Puts `rm -rf ~` on the clipboard, in terminals that allow it."""
CLEAR = "\x1b[2J\x1b[H"
FORGED = "site.toml:1: error: forged"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_a_build_prints_no_control_character_from_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_project(
        tmp_path / "site",
        {
            "content/good.md": "---\ntitle: Good\n---\n\nfine\n",
            f"content/x\n{FORGED}.md": "no front matter\n",
            "content/clip.md": f"{OSC52}{CLEAR}first line\rOVERWRITTEN\x08\x08\n",
            "content/rtl\u202egpj.md": "no front matter either\n",
            "content/deep.md": f"---\ntitle: Deep\n---\n\npost\n\n--- comment id=c1 parent=c9{CLEAR} author=a\nx\n",
        },
    )
    assert main(["build", str(site), "-q"]) == 1
    err = capsys.readouterr().err
    assert CONTROLS.search(err) is None, repr(err)
    assert not any(line.startswith(FORGED) for line in err.splitlines())
    assert "x\\nsite.toml:1: error: forged.md:1: error:" in err
    assert "unknown comment id 'c9\\x1b[2J\\x1b[H'" in err
    assert "\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\x1b[Hfirst line" in err
    assert "rtl\\u202egpj.md" in err


def test_printable_keeps_ordinary_text() -> None:
    text = "naïve café 東京 👩‍👩‍👧 «quotes» — tab\there\nnext line"
    assert printable(text) == text
    assert printable(text, path=True) == text.replace("\t", "\\t").replace("\n", "\\n")
    assert printable("\x1b[31mred\x9b") == "\\x1b[31mred\\x9b"


def test_importer_messages_are_printable() -> None:
    failure = ImportFailure(f"dump\n{FORGED}.ndjson", 3, f"bad record {OSC52}")
    assert str(failure) == "dump\\nsite.toml:1: error: forged.ndjson:3: error: bad record \\x1b]52;c;cm0gLXJmIH4=\\x07"
    warning = ImportWarning_("in\x1b.json", 2, "author\u202e")
    assert str(warning) == "in\\x1b.json:2: warning: author\\u202e"
    problem = Problem(f"a\n{FORGED}", 1, "error", f"m{CLEAR}", hint="h\x07", excerpt=f"e{OSC52}")
    assert CONTROLS.search(problem.format()) is None
    assert len(problem.format().splitlines()) == 3
