"""The instructor's report, the LMS exports and the roster, feedback without hidden tests, and
the demo cohort, on chapter 1's demo cohort graded by `course grade` with real nbgrader
(``tests/report_course.py``: one unfair test planted in the course's source)."""
import base64
import csv
import html
import re
import shutil
import statistics
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbgrader.api import Gradebook

from course.cohort import PROFILES, answer_ids, solution_code, submissions
from course.grading import COURSE_ID
from course.lms import RosterError, import_roster, read_grades
from course.nbgrader_run import environment, run_nbgrader
from course.notebooks import HIDDEN_BEGIN, HIDDEN_END, find_chapters
from course.report import write_report
from tests.conftest import ROOT
from tests.report_course import CHAPTER, UNFAIR_TEST, WRONG_MSE, graded_course

ARTIFACTS = ROOT / "tests" / "artifacts" / "report"
CHROMIUM = next(filter(None, map(shutil.which, ["chromium-headless-shell", "chromium"])), None)


@pytest.fixture(scope="module")
def chapter():
    return find_chapters(ROOT, [CHAPTER])[0]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return graded_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def page(course):
    """The report written for the graded course, parsed."""
    return BeautifulSoup(write_report(course).read_text(), "html.parser")


@pytest.fixture(scope="module")
def gradebook(course):
    """What nbgrader recorded, read with its own API: student -> test -> (score, max)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        return {s.student.id: {g.name: (g.score, g.max_score) for g in s.notebooks[0].grades if g.cell_type == "code"}
                for s in gb.find_assignment(CHAPTER).submissions}


def total(tests: dict) -> tuple[float, float]:
    return sum(s for s, _ in tests.values()), sum(m for _, m in tests.values())


def cli(course, *args: str) -> str:
    """``python -m course --root <course> <args>``: its output, or a failed test."""
    done = subprocess.run([sys.executable, "-m", "course", "--root", str(course), *args], cwd=ROOT,
                          env=environment(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def visible_text(page: str) -> str:
    """The text a reader sees in an HTML page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def hidden_lines(chapter) -> list[str]:
    """Every code line of the hidden tests that a student never sees in the release."""
    source = nbformat.read(chapter.source, as_version=4)
    release = nbformat.read(chapter.release, as_version=4)
    seen = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    lines = []
    for cell in source.cells:
        for region in re.findall(f"{HIDDEN_BEGIN}(.*?){HIDDEN_END}", cell.source, flags=re.S):
            lines += [l.strip() for l in region.splitlines()
                      if l.strip() and not l.strip().startswith("#") and l.strip() not in seen]
    return lines


def test_feedback_shows_failures_but_no_hidden_test(course, chapter):
    feedback = sorted((course / "feedback").glob(f"*/{CHAPTER}/{CHAPTER}.html"))
    assert {p.parent.parent.name for p in feedback} == set(PROFILES) | set(WRONG_MSE)
    text = visible_text((course / "feedback" / "kim" / CHAPTER / f"{CHAPTER}.html").read_text())
    # The failure messages of mse's visible and hidden tests: what was checked, expected, got.
    assert "mse([1, 2, 3], [1, 2, 5])" in text
    assert "mse of arrays of shape (50,), entries of size 1: expected" in text
    assert "CheckFailed" in text and "hidden tests: not shown" in text
    lines = hidden_lines(chapter)
    assert len(lines) > 50
    leaked = [line for line in lines if line in text]
    assert leaked == []


def test_without_the_preprocessor_the_hidden_tests_would_show(course, chapter):
    """The check above can fail: nbgrader's plain HTML of the same graded notebook shows them."""
    graded = nbformat.read(course / "autograded" / "kim" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    text = visible_text(HTMLExporter().from_notebook_node(graded)[0])
    assert sum(line in text for line in hidden_lines(chapter)) > 50


# --- the report ---------------------------------------------------------------------------------

def section(page, chapter_label="ch01"):
    return page.find("section", id=chapter_label)


def rows(table) -> list[list[str]]:
    """The text of each cell of each row of an HTML table (header rows included)."""
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]


def test_overview_is_the_gradebook_with_totals_median_and_spread(page, gradebook):
    table = rows(page.find("section", id="overview").find("table"))
    assert table[0] == ["student", "ch01", "total", "%"]
    body = {row[0].rstrip(" *"): row for row in table[1:-2]}
    assert set(body) == set(gradebook)
    for student, tests in gradebook.items():
        score, full = total(tests)
        assert body[student][1].rstrip(" *") == f"{score:g}/{full:g}"
    order = [row[0].rstrip(" *") for row in table[1:-2]]
    assert [total(gradebook[s])[0] for s in order] == sorted((total(t)[0] for t in gradebook.values()), reverse=True)
    median = statistics.median(total(t)[0] for t in gradebook.values())
    assert table[-2][:2] == ["median", f"{median:g}/26"]
    assert table[-1][0] == "spread (IQR)" and re.fullmatch(r"[\d.]+–[\d.]+", table[-1][1])
    legend = page.find("section", id="overview").find("p", class_="legend").get_text(" ", strip=True)
    assert legend == f"ch01 {CHAPTER}"
    struggling = page.find("section", id="overview").find(string=re.compile("Struggling")).find_parent("p").get_text()
    below_half = {s for s, t in gradebook.items() if total(t)[0] < total(t)[1] / 2}
    assert below_half and all(s in struggling for s in below_half)
    assert not any(f" {s} (" in struggling for s in set(gradebook) - below_half)


def test_heat_map_shows_each_students_points_per_test_in_notebook_order(page, gradebook, chapter):
    source = nbformat.read(chapter.source, as_version=4)
    tests = [(c.metadata["nbgrader"]["grade_id"], HIDDEN_BEGIN in c.source) for c in source.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    heat = section(page).find("table", class_="heat")
    marks = heat.find_all("tr")[1].find_all("th")
    assert [(th["title"], "h" in th["class"]) for th in marks] == tests  # notebook order, hidden told apart
    assert {th.get_text() for th in marks} == {"V", "H"}
    students = heat.find_all("tr")[2:]
    assert len(students) == len(gradebook)
    scores = []
    for tr in students:
        cells = tr.find_all("td")
        student = cells[0].get_text(strip=True).rstrip("*")
        shown = [c.get_text() for c in cells[1:1 + len(tests)]]
        assert shown == [f"{gradebook[student][t][0]:g}/{gradebook[student][t][1]:g}" for t, _ in tests], student
        assert [("h" in c["class"]) for c in cells[1:1 + len(tests)]] == [h for _, h in tests]
        assert re.fullmatch(r"[\d.]+", cells[-1].get_text(strip=True))  # grading seconds
        scores.append(total(gradebook[student])[0])
    assert scores == sorted(scores, reverse=True)
    assert section(page).find("img", alt="score histogram")


def kind_rows(page, test: str) -> list[tuple[int, str, str]]:
    """(count, kind, students) of each kind of failure of ``test`` in the chapter's table."""
    found, current = [], None
    for tr in section(page).find("table", class_="kinds").find_all("tr", class_="kind"):
        cells = tr.find_all("td", recursive=False)
        if "testname" in cells[0].get("class", []):
            current = cells[0].get_text(" ", strip=True).split()[0]
            cells = cells[1:]
        if current == test:
            found.append((int(cells[0].get_text()), cells[1].get_text(" ", strip=True), cells[2].get_text()))
    return found


def test_failures_are_grouped_by_what_was_checked_and_the_hint_not_by_numbers(page, course):
    found = kind_rows(page, "test_mse_visible")
    counts = [count for count, _, _ in found]
    assert counts == sorted(counts, reverse=True)
    wrong = [k for k in found if k[1].startswith("mse([1, 2, 3], [1, 2, 5]): wrong value")]
    assert len(wrong) == 1 and "Hint: the mean of the squared differences" in wrong[0][1]
    grouped = wrong[0][2].split(", ")
    assert wrong[0][0] == len(grouped) and set(WRONG_MSE) <= set(grouped)
    # kim and lou got different numbers: one kind all the same.
    got = {s: next(o["evalue"] for c in nbformat.read(course / "autograded" / s / CHAPTER / f"{CHAPTER}.ipynb",
                                                      as_version=4).cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == "test_mse_visible"
                   for o in c.outputs if o.output_type == "error") for s in WRONG_MSE}
    assert got["kim"] != got["lou"]
    blank = [k for k in found if k[1].startswith("NotImplementedError")]
    assert [(count, who) for count, _, who in blank] == [(1, "eve")]
    # A test nobody failed has no rows; one that everyone failed lists every student once.
    assert kind_rows(page, "test_design_matrix_visible") == [(1, "NotImplementedError: not implemented "
                                                             "(the answer cell is still blank)", "eve")]
    everyone = [w for _, _, who in kind_rows(page, UNFAIR_TEST) for w in who.split(", ")]
    assert sorted(everyone) == sorted([*PROFILES, *WRONG_MSE])


def test_a_test_failing_students_who_pass_everything_else_is_flagged_first(page, gradebook):
    flag = section(page).find("div", class_="flag")
    assert flag is not None and section(page).find("h2").find_next_sibling() is flag  # first thing
    items = flag.find_all("li")
    failed = {s: {t for t, (score, full) in tests.items() if score < full} for s, tests in gradebook.items()}
    alone = {t for lost in failed.values() if len(lost) == 1 for t in lost}
    assert alone == {UNFAIR_TEST}  # the planted test, and no fair one
    assert [li.find("b").get_text() for li in items] == [UNFAIR_TEST]
    named = {s for s, lost in failed.items() if lost == {UNFAIR_TEST}}
    assert "ada" in named  # the solution itself fails the planted check
    text = items[0].get_text(" ", strip=True)
    assert all(s in text for s in named) and f"failed {len(named)} of the {len(named)} students" in text
    assert "exactly 0.025" in text  # what they got: the check's message, one click away


def test_review_list_is_grouped_by_student_each_reason_once_with_cells_and_feedback(page, course):
    import json

    outcomes = json.loads((course / "reports" / "grading.json").read_text())
    flagged = {o["student"] for o in outcomes if o["needs_review"] or o["status"] not in ("graded", "unchanged")}
    review = page.find("section", id="review")
    blocks = review.find_all("div", class_="student")
    assert {b["id"].removeprefix("review-") for b in blocks} == flagged
    assert {"gus", "hana", "ivan"} <= flagged
    for block in blocks:
        student = block["id"].removeprefix("review-")
        table = rows(block.find("table"))[1:]
        reasons = [why for why, _ in table]
        assert len(reasons) == len(set(reasons)), student
        notes = next(o for o in outcomes if o["student"] == student)["needs_review"]
        for note in notes:  # every note is there, its cell in the "where" column
            what = re.sub(r"^answer cell '([^']+)' line \d+: ", "", note)
            row = next(r for r in table if r[0] == what)
            cell = re.match(r"^answer cell '([^']+)'", note)
            assert not cell or cell[1] in row[1], (note, row)
        link = block.find("a", href=True)
        target = (course / "reports" / link["href"]).resolve()
        assert target == (course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").resolve() and target.exists()
    ivan = rows(review.find("div", id="review-ivan").find("table"))[1:]
    sys_modules = [where for why, where in ivan if why == "replaces a module's contents (sys.modules)"]
    assert len(sys_modules) == 1 and re.search(r"lines \d+, \d+", sys_modules[0])  # two lines, one reason


def test_report_is_self_contained(course, page):
    for tag in page.find_all(["img", "script", "link", "iframe"]):
        assert tag.name == "img" and tag["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(tag["src"].split(",", 1)[1])[:4] == b"\x89PNG"
    assert not [a["href"] for a in page.find_all("a", href=True) if re.match(r"^(https?:)?//", a["href"])]


@pytest.mark.e2e
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: apt-get install chromium-headless-shell")
def test_report_in_a_browser_at_1280_px(course, gradebook):
    """Chromium opens the report: no sideways scrolling, every section rendered, the histogram
    decoded, a feedback link followed."""
    from playwright.sync_api import expect, sync_playwright

    report = write_report(course)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 900})
            view.goto(report.as_uri())
            assert view.evaluate("document.documentElement.scrollWidth") <= 1280
            expect(view.locator("#overview table tr")).to_have_count(len(gradebook) + 3)
            chapter = view.locator("section#ch01")
            expect(chapter.locator("table.heat tr")).to_have_count(len(gradebook) + 2)
            expect(chapter.locator(".flag")).to_contain_text(UNFAIR_TEST)
            expect(chapter.locator("table.kinds")).to_contain_text("wrong value")
            image = chapter.locator("img[alt='score histogram']")
            assert image.evaluate("img => img.complete && img.naturalWidth > 100")
            for locator in [chapter.locator("table.heat"), chapter.locator("table.kinds"),
                            view.locator("#overview table"), view.locator("#review")]:
                box = locator.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
            view.screenshot(path=ARTIFACTS / "report.png", full_page=True)
            view.locator("#review-ivan a").first.click()
            view.wait_for_load_state()
            assert view.url.endswith(f"/feedback/ivan/{CHAPTER}/{CHAPTER}.html")
            expect(view.locator("body")).to_contain_text("hidden tests: not shown")
        finally:
            browser.close()


# --- grades for an LMS, names from a roster ---------------------------------------------------------

ROSTER = """id,first_name,last_name,email,lms_user_id,phone
ada,Ada,Lovelace,ada@example.org,1001,ignored
ben,Ben,Okafor,ben@example.org,,
cleo,Cléo,"Durand, Jr.",cleo@example.org,1003,
"""


@pytest.fixture(scope="module")
def rostered(course, tmp_path_factory):
    """The course after ``course students --import roster.csv`` (three students named)."""
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    roster.write_text(ROSTER)
    out = cli(course, "students", "--import", str(roster))
    assert "3 students added or updated" in out
    return course


def test_roster_fills_nbgraders_student_table(rostered):
    listed = run_nbgrader(rostered, "db", "student", "list")  # nbgrader's own view of its table
    assert re.search(r"ada \(Lovelace, Ada\) -- ada@example.org, 1001", listed)
    assert re.search(r"cleo \(Durand, Jr., Cléo\) -- cleo@example.org, 1003", listed)
    assert re.search(r"eve \(None, None\) -- None", listed)  # not on the roster: left as it was


def test_roster_that_cannot_be_imported_changes_nothing(rostered, tmp_path):
    before = run_nbgrader(rostered, "db", "student", "list")
    for text, error in [("name,email\nada,a@b\n", "no 'id' column"),
                        ("id,email\nzoe,z@b\nzoe,y@b\n", "'zoe' appears twice"),
                        ("id,email\n,z@b\n", "line 2: no student id")]:
        roster = tmp_path / "roster.csv"
        roster.write_text(text)
        with pytest.raises(RosterError, match=error):
            import_roster(rostered, roster)
    assert run_nbgrader(rostered, "db", "student", "list") == before


def test_roster_before_any_grading_creates_the_gradebook(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    (tmp_path / "roster.csv").write_text(ROSTER)
    assert [s.id for s in import_roster(tmp_path, tmp_path / "roster.csv")] == ["ada", "ben", "cleo"]
    assert [(s.id, s.last_name) for s in read_grades(tmp_path).students] == [
        ("ada", "Lovelace"), ("ben", "Okafor"), ("cleo", "Durand, Jr.")]


def read_csv(path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_export_follows_canvas_gradebook_import_rules(rostered, gradebook):
    cli(rostered, "export", "--format", "canvas")
    table = read_csv(rostered / "grades-canvas.csv")
    header, points, students = table[0], table[1], table[2:]
    # Canvas's importer: "Student" then "ID" first, then SIS User ID and SIS Login ID, the
    # student columns end with "Section"; assignments follow; an optional "Points Possible" row.
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == [CHAPTER] and points[0] == "Points Possible" and float(points[5]) == 32
    assert len({len(row) for row in table}) == 1
    by_login = {row[3]: row for row in students}
    assert set(by_login) == set(gradebook) and len(students) == len(gradebook)
    assert by_login["ada"][:3] == ["Lovelace, Ada", "1001", ""]
    assert by_login["cleo"][0] == "Durand, Jr., Cléo" and by_login["eve"][:2] == ["eve", ""]
    with Gradebook(f"sqlite:///{rostered / 'gradebook.db'}", COURSE_ID) as gb:
        for student in gradebook:
            assert float(by_login[student][5]) == gb.find_submission(CHAPTER, student).score


def test_moodle_export_identifies_students_by_email_or_id_number(rostered, gradebook):
    out = cli(rostered, "export", "--format", "moodle")
    assert "have no e-mail" in out  # most of the demo cohort is not on the roster
    table = read_csv(rostered / "grades-moodle.csv")
    assert table[0] == ["First name", "Last name", "ID number", "Email address", CHAPTER]
    rows_by_id = {row[2]: row for row in table[1:]}
    assert set(rows_by_id) == set(gradebook)
    assert rows_by_id["ada"][:4] == ["Ada", "Lovelace", "ada", "ada@example.org"]
    emails = [row[3] for row in table[1:] if row[3]]
    assert len(emails) == len(set(emails)) == 3
    scores = {s: total(t)[0] for s, t in gradebook.items()}  # no written answer graded yet
    assert {s: float(row[4]) for s, row in rows_by_id.items()} == scores


def test_csv_export_is_one_row_per_student_and_one_column_per_chapter(rostered, gradebook, tmp_path):
    cli(rostered, "export", "--output", str(tmp_path / "out.csv"))
    table = read_csv(tmp_path / "out.csv")
    assert table[0] == ["student_id", "first_name", "last_name", "email", CHAPTER]
    assert [row[0] for row in table[1:]] == sorted(gradebook)
    assert {row[0]: float(row[4]) for row in table[1:]} == {s: total(t)[0] for s, t in gradebook.items()}


def test_cohort_profiles(chapter):
    cohort = submissions(chapter)
    assert set(cohort) == set(PROFILES)
    source = nbformat.read(chapter.source, as_version=4)
    release = nbformat.read(chapter.release, as_version=4)
    answers = answer_ids(release)
    code = {name: {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if "nbgrader" in c.metadata}
            for name, nb in cohort.items()}
    right = {c.metadata["nbgrader"]["grade_id"]: solution_code(c.source) for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") in answers}
    assert all(code["ada"][a] == right[a] and "SOLUTION" not in right[a] for a in answers)
    assert sum(code["ben"][a] != right[a] for a in answers) == 3
    assert 1 <= sum(code["dev"][a] != right[a] for a in answers)
    assert all("NotImplementedError" in code["eve"][a] for a in answers)
    assert sum("NotImplementedError" in code["finn"][a] for a in answers) == len(answers) - len(answers) // 2
    # No student's copy holds the hidden tests (they are made from the release).
    assert all(HIDDEN_BEGIN not in cell.source for nb in cohort.values() for cell in nb.cells)


def test_cohort_command_writes_nbgrader_layout(tmp_path, chapter):
    from course.cohort import make_cohort

    for folder in ["source", "release"]:
        shutil.copytree(ROOT / folder / CHAPTER, tmp_path / folder / CHAPTER)
    written = make_cohort(tmp_path)
    assert written == {CHAPTER: PROFILES}
    for student in PROFILES:
        nbformat.validate(nbformat.read(tmp_path / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb",
                                        as_version=4))


def test_demo_summary_marks_who_needs_a_look():
    from course.grade import GradeOutcome
    from course.pipeline import summary

    outcomes = [GradeOutcome("ada", "ch01", "graded", 26, 26),
                GradeOutcome("ivan", "ch01", "graded", 23, 26, needs_review=["answer cell 'mse' line 2: opens a file"]),
                GradeOutcome("ivan", "ch02", "not graded", 0, 18, reason="the kernel died")]
    lines = summary(outcomes).splitlines()
    assert lines[0].split() == ["student", "ch01", "ch02"]
    assert lines[2].split() == ["ada", "26/26", "—"]
    assert lines[3].split() == ["ivan", "23/26", "*", "0/18", "*"]
    assert "  ivan / ch01 (graded): answer cell 'mse' line 2: opens a file" in lines
    assert "  ivan / ch02 (not graded): the kernel died" in lines


def test_demo_summary_labels_long_chapter_ids_by_their_prefix():
    from course.grade import GradeOutcome
    from course.pipeline import summary

    chapters = ["ch01_linear_regression", "ch07_dropout_early_stopping"]
    lines = summary([GradeOutcome("ada", c, "graded", 10, 10) for c in chapters]).splitlines()
    assert lines[0].split() == ["student", "ch01", "ch07"] and len(lines[0]) < 40
    assert lines[2].split() == ["ada", "10/10", "10/10"]
    assert lines[-2:] == ["ch01: ch01_linear_regression", "ch07: ch07_dropout_early_stopping"]
