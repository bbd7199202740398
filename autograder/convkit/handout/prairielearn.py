"""The PrairieLearn question that `convkit build` writes into DIR/prairielearn/, from the sources of
the handout and of the Gradescope zip.

questions/convkit/convolutions/  one externally graded question (QID convkit/convolutions): the
                                 answers are one file whose later ones call the earlier ones, so
                                 they are handed in and graded together, as on Gradescope, with
                                 one test per question in the results
  info.json                      External grading: the image, the entrypoint, the timeout
  question.html                  the book's narrative and the prompts, an editor, the results
  initial_code.py                the editor's starting file: the stubs
  tests/                         server-only, copied to /grade/tests for each grading job:
    run.sh                       the entrypoint: convkit.platforms.lockdown, then
                                 convkit.platforms.prairielearn
    convkit.json                 the grader's settings, the course's seed among them (a secret)
    convkit-src/                 convkit itself, hidden checks and all (never in the image)
image/                           the grader image's recipe (Dockerfile, requirements.txt):
                                 PrairieLearn's Python grader, torch and convkit's dependencies
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from convkit.exercises.questions import ASSIGNMENT
from convkit.exercises.sources import ASSIGNMENT_FOLDER
from convkit.handout import render
from convkit.handout.build import SOURCE_DIR, copy_source, installed_metadata
from convkit.handout.notebook import load_narrative, opened_sections, question_prompt, section_text
from convkit.output.reports import prairielearn_ungradable
from convkit.platforms.harness import settings
from convkit.platforms.prairielearn import GRADE, SETTINGS
from convkit.settings.assignment import AssignmentConfig
from convkit.settings.limits import GradingConfig

QID = f"convkit/{ASSIGNMENT}"
QUESTION = Path("questions", *QID.split("/"))
EDITOR_FILE = f"{ASSIGNMENT}.py"
INITIAL = "initial_code.py"
ENTRYPOINT = f"{GRADE}/tests/run.sh"
BASE_IMAGE = "prairielearn/grader-python"
VENV_PYTHON = "/venv/bin/python"
"""Where PrairieLearn's Python grader image keeps its Python (a uv venv over a Python in
/usr/local/bin, both open to every user, so workers under uids of their own reach it)."""
STARTUP = 60
"""Seconds a job may take besides the submission's own time: the container's start,
convkit.platforms.lockdown, torch's import in the judge and in the sandbox, the results. In the
emulated container pinned to one CPU of a loaded machine (tests/platforms/test_prairielearn.py's
harness), the reference took 8.7-11.1 s end to end (4.6-5.0 s of CPU), and a file whose every call
hangs 193.8 s, 13.8 s past its 180 s; 60 s leaves room for PrairieLearn's 0.9 CPU and a slower
machine."""
EDITOR_HOW = (
    "Replace each `raise NotImplementedError` with your code, then Save & Grade. The grader\n"
    "checks each answer on random inputs and names the bug a failing check shows."
)
PAGE_HOW = (
    f"Write your answers in `{EDITOR_FILE}`, in the editor at the end of this page, then **Save & "
    "Grade**. The grader checks each one on random inputs, not only on the book's examples, so "
    "make your code right in general; for a failing check it names the bug the output shows, with "
    "the smallest input that fails. Do not rename the functions or change their arguments."
)


def timeout() -> int:
    """The job's time limit: the most a submission may take (GradingConfig's submission_timeout,
    so that one which hangs scores as in `convkit grade`), and the start; PrairieLearn's 600 s at
    most."""
    return min(GradingConfig().submission_timeout + STARTUP, 600)


def info_json(image: str) -> str:
    same = uuid.uuid5(uuid.NAMESPACE_URL, f"convkit:{QID}")  # in every build: keep it when editing
    info = {
        "uuid": str(same).upper(),
        "title": load_narrative()["title"],
        "topic": "Convolutional neural networks",
        "tags": ["convkit", "pytorch"],
        "type": "v3",
        "singleVariant": True,  # the hidden inputs come from the course's seed, not from a variant
        "gradingMethod": "External",
        "externalGradingOptions": {"image": image, "entrypoint": ENTRYPOINT, "timeout": timeout()},
    }
    return json.dumps(info, indent=2) + "\n"


def narrative_markdown() -> str:
    """The book's narrative and every prompt, as the notebook has them, as Markdown."""
    narrative = load_narrative()
    where = f"in `{EDITOR_FILE}`, in the editor at the end of this page"
    parts = [PAGE_HOW]
    for sections, question in opened_sections(narrative):
        parts += [*map(section_text, sections), question_prompt(question, where)]
    text = "\n\n".join(parts)
    for forbidden, why in (("{{", "Mustache would read it"), ("<", "it would be HTML")):
        if forbidden in text:
            raise ValueError(
                f"the narrative holds {forbidden!r}, which PrairieLearn cannot show ({why})"
            )
    return text


def question_html() -> str:
    """The question's page: the narrative, the editor (its file from INITIAL), the results."""
    editor = f'file-name="{EDITOR_FILE}" ace-mode="ace/mode/python" source-file-name="{INITIAL}"'
    return (
        "{{! Rendered by `convkit build` from questions.py and narrative.toml: edit those. }}\n"
        "<pl-question-panel>\n"
        f"<markdown>\n{narrative_markdown()}\n</markdown>\n"
        f'<pl-file-editor {editor} min-lines="30"></pl-file-editor>\n'
        "</pl-question-panel>\n\n"
        "<pl-submission-panel>\n"
        "<pl-external-grader-results></pl-external-grader-results>\n"
        "<pl-file-preview></pl-file-preview>\n"
        "</pl-submission-panel>\n"
    )


def run_sh() -> str:
    """The entrypoint, as PrairieLearn runs it (root, in the image): it installs nothing, and exits
    0 whatever happens, for PrairieLearn reads /grade/results/results.json only then."""
    results = f"{GRADE}/results/results.json"
    fallback = json.dumps(
        prairielearn_ungradable("convkit's grader did not start (the job's log says why)")
    )
    return (
        f"""#!/bin/sh
# convkit's grader (rendered by `convkit build`). convkit and the course's seed are in this folder,
# which students never see; the image holds Python, torch and convkit's dependencies.
export PYTHONPATH={GRADE}/tests/{SOURCE_DIR}
mkdir -p {GRADE}/results
python3 -m convkit.platforms.lockdown {GRADE}/tests  # workers reach Python; the seed is root's """
        f"""alone
python3 -m convkit.platforms.prairielearn {GRADE}
if [ ! -s {results} ]; then
  cat > {results} <<'RESULTS'
{fallback}
RESULTS
fi
exit 0
"""
    )


def image_requirements() -> str:
    """What the image installs: torch as the Gradescope zip pins it, and convkit's dependencies."""
    pins = (ASSIGNMENT_FOLDER / "requirements.txt").read_text().splitlines()
    torch = [line for line in pins if line and not line.startswith("#") and SOURCE_DIR not in line]
    return "\n".join([*torch, *installed_metadata()[1]]) + "\n"


def dockerfile() -> str:
    return f"""# convkit's grader image for PrairieLearn, rendered by `convkit build`: the Python
# grader of PrairieLearn with the CPU build of torch and convkit's dependencies: grading installs
# nothing.
# convkit itself (its hidden checks) travels in the question's tests/ folder: a PrairieLearn image
# is public on Docker Hub. Build it for PrairieLearn's machines, then push it:
#   docker build --platform linux/amd64 -t ACCOUNT/convkit-grader .
FROM {BASE_IMAGE}
COPY requirements.txt /convkit-requirements.txt
# torch's CPU index next to PyPI, each package from the index with the best version (as pip does)
RUN uv pip install --python {VENV_PYTHON} --index-strategy unsafe-best-match \\
        -r /convkit-requirements.txt \\
    && rm /convkit-requirements.txt
"""


def write(out: Path, seed: int, assignment: AssignmentConfig, image: str) -> None:
    """DIR/prairielearn/ (`out`): the question folder and the image's recipe."""
    question = out / QUESTION
    files = {
        question / "info.json": info_json(image),
        question / "question.html": question_html(),
        question / INITIAL: render.stub_module(EDITOR_HOW),
        question / "tests" / SETTINGS: json.dumps(settings(seed, assignment), indent=2) + "\n",
        question / "tests" / "run.sh": run_sh(),
        out / "image" / "Dockerfile": dockerfile(),
        out / "image" / "requirements.txt": image_requirements(),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (question / "tests" / "run.sh").chmod(0o755)
    copy_source(question / "tests" / SOURCE_DIR)
