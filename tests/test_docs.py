"""The documentation as a reader uses it: every link resolves, every command line it shows runs.

Pure Python, no Keras: the commands and flags come from the real parser
(`gan_keras.cli.build_parser`, which imports no Keras), the scripts'
commands from the scripts' own source.

Checked in README.md and docs/*.md:
  - every relative link and image names an existing file, and every
    `#anchor` (in the page or in another page) an existing heading, by
    GitHub's slug rules;
  - every line of a fenced code block that runs `gan-keras ...`,
    `python -m gan_keras ...` or `python scripts/X.py ...` (after `$ `,
    `VAR=value` prefixes, a path such as `.venv/bin/`) names an existing
    command and only flags of that command; `launch ... -- train ...` is
    checked after the `--` too.
"""

import functools
import os
import re
import shlex

import pytest

from gan_keras.cli import build_parser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def doc_files():
    """README.md and every docs/*.md, as paths relative to the repository."""
    docs = sorted(name for name in os.listdir(os.path.join(ROOT, "docs")) if name.endswith(".md"))
    return ["README.md"] + [f"docs/{name}" for name in docs]


def read(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as f:
        return f.read()


# --- Markdown: fences, headings, links -------------------------------------------------------------------------

FENCE = re.compile(r"^\s*(```|~~~)")


def split_fences(text):
    """(prose lines, code blocks): prose as (line number, line); each block as (info string, [(number, line)])."""
    prose, blocks, block, info = [], [], None, ""
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if block is None and match:
            block, info = [], line.strip()[3:].strip()
        elif block is not None and match and line.strip() in ("```", "~~~"):
            blocks.append((info, block))
            block = None
        elif block is not None:
            block.append((number, line))
        else:
            prose.append((number, line))
    if block is not None:
        blocks.append((info, block))
    return prose, blocks


INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_SOURCE = re.compile(r"<(?:img|a)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)


def slug(heading):
    """GitHub's anchor of a heading: links reduced to their text, lowercase, punctuation but - and _ dropped,
    spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text):
    """The anchors of a page's headings (outside code blocks), repeated headings numbered as GitHub does."""
    prose, _ = split_fences(text)
    seen, result = {}, set()
    for _, line in prose:
        match = re.match(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(text):
    """(line number, target) of every Markdown link and image and HTML src/href outside code."""
    prose, _ = split_fences(text)
    for number, line in prose:
        line = INLINE_CODE.sub("", line)
        for match in LINK.finditer(line):
            yield number, match.group(2)
        for match in HTML_SOURCE.finditer(line):
            yield number, match.group(1)


def link_problems(text, page, root=ROOT, anchors_of=None):
    """What is wrong with the links of `text`, the page at `page` (relative to `root`): one string each."""
    if anchors_of is None:
        def anchors_of(path):
            with open(path, encoding="utf-8") as f:
                return anchors(f.read())
    problems = []
    folder = os.path.dirname(os.path.join(root, page))
    for number, target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:, ...
            continue
        path, _, anchor = target.partition("#")
        where = f"{page}:{number}: {target}"
        if path:
            resolved = os.path.normpath(os.path.join(folder, path))
            if not os.path.exists(resolved):
                problems.append(f"{where}: no such file")
                continue
        if anchor:
            if path and not resolved.endswith(".md"):
                continue
            names = anchors(text) if not path else anchors_of(resolved)
            if anchor.lower() not in names:
                problems.append(f"{where}: no heading with the anchor #{anchor}")
    return problems


# --- Command lines -------------------------------------------------------------------------------------------------

ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$")
# A line worth parsing: a command word at the start of a shell word, not inside `backticks` of a text block.
CANDIDATE = re.compile(r"(^|[\s'\"])(\S*/)?(gan-keras(\s|$)|python\S*\s+(-m\s+gan_keras|\S*scripts/\w+\.py))")
SEPARATORS = {"|", "||", "&&", ";", "&"}


@functools.lru_cache(maxsize=None)
def parser_tree():
    """The `gan-keras` parser."""
    return build_parser()


def subcommands(parser):
    """{name: parser} of a parser's subcommands ({} if it has none)."""
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            return dict(action.choices)
    return {}


@functools.lru_cache(maxsize=None)
def script_command(script):
    """The command words that `scripts/<script>` runs, read from its source (e.g. ("train", "dcgan"))."""
    path = os.path.join(ROOT, "scripts", script)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        source = f.read()
    match = re.search(r"train_command\(\s*[\"']([\w-]+)[\"']\s*\)", source)
    if match:
        return ("train", match.group(1))
    match = re.search(r"COMMANDS\[\s*[\"']([\w-]+)[\"']\s*\]", source)
    if match:
        return (match.group(1),)
    return None


def logical_lines(block):
    """(first line number, line) of a code block, lines ending in a backslash joined to the next."""
    pending, start = "", None
    for number, line in block:
        if start is None:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line
        pending, start = "", None
    if pending:
        yield start, pending


def strip_prompt(words):
    """The words of one simple command without `$ `, `VAR=value` prefixes and `env`."""
    while words and (words[0] in ("$", ">", "env") or ASSIGNMENT.match(words[0])):
        words = words[1:]
    return words


def invocations(words):
    """(command words, arguments) of every gan-keras, python -m gan_keras or scripts/X.py call among `words`.

    The command words are () when the arguments start at the top level (`gan-keras ...`), else the
    subcommand a script runs; a script with no known command gives (None, script).
    """
    segment = []
    for word in list(words) + [";"]:
        if word in SEPARATORS or word.endswith(";"):
            if word not in SEPARATORS:
                segment.append(word[:-1])
            yield from _invocations_of(strip_prompt(segment))
            segment = []
        else:
            segment.append(word)


def _invocations_of(words):
    for i, word in enumerate(words):
        name = os.path.basename(word)
        if name == "gan-keras":
            yield (), words[i + 1:]
            return
        if PYTHON.match(name) and i + 1 < len(words):
            rest = words[i + 1:]
            if rest[:2] == ["-m", "gan_keras"]:
                yield (), rest[2:]
                return
            match = re.match(r"^(?:.*/)?scripts/(\w+\.py)$", rest[0])
            if match:
                command = script_command(match.group(1))
                yield (command if command is not None else (None, rest[0])), rest[1:]
                return
        if re.search(r"\s", word) and CANDIDATE.search(word):  # a script in one word: bash -c '...'
            try:
                inner = shlex.split(word, comments=True)
            except ValueError:
                continue
            yield from invocations(inner)


def _option_names(parser):
    return set(parser._option_string_actions)


def check_arguments(parser, words, where):
    """Problems of `words` given to `parser` (a subcommand level): unknown commands and flags."""
    commands = subcommands(parser)
    words = [w.strip("[]") for w in words if w.strip("[]")]
    if commands:
        if not words:
            return [f"{where}: {parser.prog}: no command given"]
        first, rest = words[0], words[1:]
        if first == "..." or PLACEHOLDER.match(first):
            return []  # gan-keras ... or gan-keras train GAN: a placeholder, not a command
        if first.startswith("-"):
            if first.split("=")[0] in ("-h", "--help"):
                return []
            return [f"{where}: {parser.prog}: {first} before the command"]
        problems = []
        for choice in first.split("|"):
            if choice == "..." or PLACEHOLDER.match(choice):
                continue
            if choice not in commands:
                problems.append(f"{where}: {parser.prog}: no command {choice!r} (commands: {', '.join(commands)})")
                continue
            problems += check_arguments(commands[choice], rest, where)
        return problems
    problems = []
    known = _option_names(parser)
    for i, word in enumerate(words):
        if word == "--":
            if parser.prog.split()[-1] == "launch":
                return problems + check_arguments(parser_tree(), words[i + 1:], where)
            return problems
        if not word.startswith("-") or word == "-" or re.match(r"^-\d", word):
            continue
        flag = word.split("=", 1)[0]
        if flag not in known:
            problems.append(f"{where}: {parser.prog}: no flag {flag}")
    return problems


def command_problems(text, page):
    """What is wrong with the command lines in the code blocks of `text`: one string each."""
    problems = []
    _, blocks = split_fences(text)
    for _, block in blocks:
        for number, line in logical_lines(block):
            if not CANDIDATE.search(line):
                continue
            where = f"{page}:{number}: {line.strip()}"
            try:
                words = shlex.split(line, comments=True)
            except ValueError as error:
                problems.append(f"{where}: cannot be read as a shell line ({error})")
                continue
            for command, arguments in invocations(words):
                if command and command[0] is None:
                    problems.append(f"{where}: {command[1]} runs no gan-keras command (or does not exist)")
                    continue
                parser = parser_tree()
                if command:
                    for name in command:
                        parser = subcommands(parser)[name]
                problems += check_arguments(parser, arguments, where)
    return problems


# --- The documentation ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", doc_files())
def test_every_link_and_image_resolves(page):
    assert link_problems(read(page), page) == []


@pytest.mark.parametrize("page", doc_files())
def test_every_command_line_names_real_commands_and_flags(page):
    assert command_problems(read(page), page) == []


def test_every_page_has_a_title_a_summary_and_a_way_back():
    for page in doc_files()[1:]:
        lines = read(page).splitlines()
        assert lines[0].startswith("# "), f"{page}: the first line is not a title"
        assert lines[1] == "" and lines[2].strip() and not lines[2].startswith(("#", "```", "|", "!")), \
            f"{page}: no summary paragraph under the title"
        assert "../README.md" in read(page), f"{page}: no link back to the README"


def test_the_readme_is_short_and_links_every_page():
    readme = read("README.md")
    assert len(readme.splitlines()) <= 200
    linked = {os.path.normpath(target.partition("#")[0]) for _, target in links(readme)}
    for page in doc_files()[1:]:
        assert page in linked, f"README.md does not link {page}"


# --- The checker catches what it should ------------------------------------------------------------------------------

def fenced(*lines):
    return "\n".join(["```bash", *lines, "```"])


@pytest.mark.parametrize("line, words", [
    ("gan-keras train dcgan --no-such-flag", "no flag --no-such-flag"),
    ("$ .venv/bin/gan-keras train dcgan --epochs 10 --no-such-flag=3", "no flag --no-such-flag"),
    ("KERAS_BACKEND=jax python -m gan_keras sample --generator G --no-such-flag", "no flag --no-such-flag"),
    ("gan-keras no-such-command --out x", "no command 'no-such-command'"),
    ("gan-keras train no-such-gan --epochs 1", "no command 'no-such-gan'"),
    ("gan-keras train dcgan|no-such-gan --steps 2", "no command 'no-such-gan'"),
    ("python scripts/train_fashion.py --epochs 10 --no-such-flag", "no flag --no-such-flag"),
    ("python scripts/sample.py --generator G --epochs 3", "no flag --epochs"),
    ("python scripts/no_such_script.py --epochs 3", "runs no gan-keras command"),
    ("gan-keras launch -n 2 -- train dcgan --no-such-flag", "no flag --no-such-flag"),
    ("gan-keras train dcgan --epochs 1 \\\n    --no-such-flag", "no flag --no-such-flag"),
    ("srun -n 2 bash -c 'gan-keras train dcgan --no-such-flag'", "no flag --no-such-flag"),
    ("make train && gan-keras upscale --input a.png --no-such-flag", "no flag --no-such-flag"),
])
def test_the_command_check_finds_a_wrong_line(line, words):
    problems = command_problems(fenced(line), "made-up.md")
    assert len(problems) == 1 and words in problems[0], problems


@pytest.mark.parametrize("line", [
    "gan-keras train dcgan --epochs=10 --batch-size 32   # a comment --no-such-flag",
    "KERAS_BACKEND=jax .venv/bin/gan-keras launch -n 2 -- train dcgan --engine compiled --steps 8",
    "gan-keras train GAN --help",
    "gan-keras train cgan|mlp|gaussian ...",
    "gan-keras ... ",
    "python scripts/train_gaussian.py --runs 10 --target-mean -3 --target-std 0.5",
    "python scripts/upscale.py --input photo.jpg --out big.png",
    "gan-keras animate RUN_DIR [--fps N] [--out FILE.gif]",
    "gan-keras sample --generator G --caption \"a light, narrow sneaker\" --out x.png",
])
def test_the_command_check_passes_a_right_line(line):
    assert command_problems(fenced(line), "made-up.md") == []


def test_the_link_check_finds_missing_files_and_headings():
    text = "\n".join([
        "# A page", "",
        "## Its part, with `code` and punctuation!", "",
        "[fine](#its-part-with-code-and-punctuation) [the README](../README.md#two-commands) "
        "![a picture](dcgan_epochs_1_5_10.png) [web](https://example.com/none.md) [mail](mailto:a@b.c)",
        "[gone](no-such-page.md) ![gone](no-such-picture.png) [lost](#no-such-heading)",
        "`[in code](not-a-link.md)`",
        "```", "[in a block](not-a-link-either.md)", "```",
    ])
    anchors_of = {os.path.join(ROOT, "README.md"): {"two-commands"}}.__getitem__
    problems = link_problems(text, "docs/made-up.md", anchors_of=anchors_of)
    assert len(problems) == 3, problems
    assert "no-such-page.md: no such file" in problems[0]
    assert "no-such-picture.png: no such file" in problems[1]
    assert "no heading with the anchor #no-such-heading" in problems[2]


def test_slugs_follow_github():
    assert slug("8.3 Applications: image-to-image translation, on the same trainer") == \
        "83-applications-image-to-image-translation-on-the-same-trainer"
    assert slug("Averaged generator (`--ema DECAY`)") == "averaged-generator---ema-decay"
    assert slug("Evaluation offline: Fréchet distance, KID") == "evaluation-offline-fréchet-distance-kid"
    assert slug("The life of one training step") == "the-life-of-one-training-step"
    assert anchors("# A\n\n## Tests\n\n## Tests\n```\n# not a heading\n```\n") == {"a", "tests", "tests-1"}
