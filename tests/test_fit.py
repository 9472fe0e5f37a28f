"""`typeset fit`: lines each block has and needs, and proposals that, applied, make a page fit."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import ROOT, copy_project, run_tool
from typeset.cli import main
from typeset.fit import fit_spec

SAMPLE = ROOT / "layouts" / "sample-page.yaml"
STORY_KINDS = ("article", "briefs", "photo")


def fit_json(capsys, *specs) -> tuple[int, dict]:
    code = main(["fit", "--json", *map(str, specs)])
    return code, json.loads(capsys.readouterr().out)


def missized(tmp_path, name: str = "missized"):
    """A copy of the sample page sized wrongly in every way a desk meets: two stories too
    short for their text (over), one block taller than its story (short), one headline given
    fewer lines than it needs (problem)."""
    proj = copy_project(tmp_path)
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    blocks = {b["id"]: b for b in data["blocks"]}
    blocks["lead"]["lines"] = 33                       # needs 40
    blocks["jump"]["lines"] = 12                       # needs 17
    blocks["bangchu"]["headline_lines"] = 3            # its 36 pt title needs 6
    del blocks["gongshilan"]["headline_lines"]
    del blocks["gongshilan"]["title_size"]             # 24 pt: needs about 19 of its 22 lines
    path = proj / "layouts" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def apply(path, page: dict) -> None:
    """Make every proposed change in the spec, as a desk would."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    blocks = {b["id"]: b for b in data["blocks"]}
    for b in page["blocks"]:
        for c in b["changes"]:
            assert blocks[c["block"]].get(c["key"], c["old"]) == c["old"], c
            blocks[c["block"]][c["key"]] = c["new"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# --- the sample page ---------------------------------------------------------------------------

def test_sample_page_every_story_fits_within_a_line(capsys):
    code, data = fit_json(capsys, SAMPLE)
    assert code == 0
    page = data["pages"][0]
    stories = [b for b in page["blocks"] if b["kind"] in STORY_KINDS]
    assert {b["id"] for b in stories} == {"lead", "concert", "jump", "zhengwu", "bangchu",
                                          "gongshilan"}
    for b in stories:
        assert isinstance(b["needs"], int), b["id"]
        assert b["state"] == "fits", (b["id"], b["state"], b["proposal"])
        assert 0 <= b["lines"] - b["needs"] <= 1, b["id"]
        assert b["over_lines"] == b["over_chars"] == 0
        assert b["changes"] == []


def test_sample_page_photo_prints_at_200_ppi_and_preflight_has_no_warning(rendered):
    res = rendered("sample-page")
    rows = run_tool("pdfimages", "-list", str(res.pdf)).splitlines()[2:]
    assert len(rows) == 1
    x_ppi, y_ppi = (int(v) for v in rows[0].split()[12:14])
    assert min(x_ppi, y_ppi) >= 200, rows[0]
    statuses = {c["check"]: c["status"] for c in res.report["preflight"]}
    assert set(statuses.values()) == {"PASS"}, statuses


def test_fit_table_names_what_it_measured(capsys):
    assert main(["fit", str(SAMPLE)]) == 0
    out = capsys.readouterr().err
    assert "needs" in out and "every block fits" in out
    assert re.search(r"^lead\s+article\s+fits\s+40\s+40", out, re.M), out


# --- a page sized wrongly ------------------------------------------------------------------------

def test_missized_page_states_and_proposals(tmp_path, capsys):
    code, data = fit_json(capsys, missized(tmp_path))
    assert code == 1
    b = {x["id"]: x for x in data["pages"][0]["blocks"]}
    assert b["lead"]["state"] == "over" and b["lead"]["needs"] == 40
    assert b["lead"]["over_chars"] > 0
    assert b["lead"]["proposal"] == ("lead: headline needs 9 lines, has 10 (set in the spec); lines 33 → 40, "
                                     f"or cut about {b['lead']['over_chars']} characters")
    assert b["jump"]["state"] == "over" and b["jump"]["needs"] == 17
    assert b["gongshilan"]["state"] == "short" and b["gongshilan"]["lines"] - b["gongshilan"]["needs"] > 1
    assert "add about" in b["gongshilan"]["proposal"]
    assert b["bangchu"]["state"] == "problem"
    assert "bangchu: headline needs 6 lines, has 3" in b["bangchu"]["proposal"]
    assert {"block": "bangchu", "key": "headline_lines", "old": 3, "new": 6} in b["bangchu"]["changes"]
    assert b["zhengwu"]["state"] == "fits" and b["concert"]["state"] == "fits"


def test_proposals_applied_make_the_page_fit(tmp_path, capsys):
    path = missized(tmp_path)
    _, before = fit_json(capsys, path)
    apply(path, before["pages"][0])
    code, after = fit_json(capsys, path)
    page = after["pages"][0]
    assert page["error"] is None
    assert code == 0, [(b["id"], b["state"], b["proposal"]) for b in page["blocks"]]
    # and the renderer agrees: nothing overflows
    assert main(["check", str(path), "--strict", "-q"]) == 0


def test_proposal_that_runs_into_a_block_says_so(tmp_path):
    proj = copy_project(tmp_path)
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    moves = {"zhengwu": {"lines": 90},  # the briefs need 100 lines
             "rule-under-briefs": {"line": 91}, "jump": {"line": 92, "lines": 27}}
    for b in data["blocks"]:
        b.update(moves.get(b["id"], {}))
    path = proj / "layouts" / "crowded.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    z = {b.id: b for b in fit_spec(path).blocks}["zhengwu"]
    assert z.state == "over" and z.needs == 100
    assert "then move jump" in z.proposal


# --- several pages (an edition), one broken -----------------------------------------------------

def test_fit_reports_a_broken_page_and_continues(tmp_path, capsys):
    proj = copy_project(tmp_path)
    broken = proj / "layouts" / "broken.yaml"
    broken.write_text("blocks:\n  - {id: a, article: nowhere.md, column: 1, columns: 2, "
                      "line: 1, lines: 10}\n", encoding="utf-8")
    code, data = fit_json(capsys, proj / "layouts" / "sample-page.yaml", broken,
                          proj / "layouts" / "lead-article.yaml")
    assert code == 2
    pages = data["pages"]
    assert [p["name"] for p in pages] == ["sample-page", "broken", "lead-article"]
    assert pages[1]["error"] and "nowhere.md" in pages[1]["error"] and not pages[1]["blocks"]
    assert pages[0]["ok"] and pages[2]["blocks"]


# --- natural sizes ------------------------------------------------------------------------------

def test_headline_masthead_caption_take_their_natural_lines():
    pf = fit_spec(SAMPLE)
    els = {(b.id, e["name"]): e for b in pf.blocks for e in b.elements}
    for key in (("bangchu", "headline"), ("concert", "title"), ("concert", "caption")):
        assert not els[key]["fixed"] and els[key]["has"] == els[key]["needs"], key
    # set by the desk for one more line of air
    for key in (("lead", "headline"), ("gongshilan", "headline"), ("zhengwu", "masthead")):
        assert els[key]["fixed"] and els[key]["has"] == els[key]["needs"] + 1, key


def test_photo_keeps_its_aspect_ratio_unless_told_to_crop(tmp_path):
    import pikepdf

    from typeset import pipeline

    proj = copy_project(tmp_path)
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    concert = next(b for b in data["blocks"] if b["id"] == "concert")
    for key in ("fit", "focus", "photo_lines"):
        del concert[key]
    path = proj / "layouts" / "natural.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    res = pipeline.render(path, tmp_path / "out", preflight=False)
    # what the PDF says: the image's placed width over height is the photo's 2560 / 1600
    with pikepdf.open(res.pdf) as pdf:
        ops = pikepdf.parse_content_stream(pdf.pages[0])
        images = [str(o) for o, op in ops if str(op) == "Do"]
        matrices = [o for o, op in ops if str(op) == "cm"]
    assert images
    w, h = None, None
    for m in matrices:
        a, b, c, d = (float(v) for v in m[:4])
        if a > 300 and d > 200 and b == c == 0:
            w, h = a, d
    assert w and abs(w / h - 2560 / 1600) < 0.01, (w, h)
    photo = {b.id: b for b in fit_spec(path).blocks}["concert"]
    el = {e["name"]: e for e in photo.elements}["photo"]
    assert el["needs"] == 40                  # six columns wide at 16:10


@pytest.mark.parametrize("extra,needle", [
    ("headline_lines: 2", "headline needs"),
])
def test_too_small_headline_is_a_problem(tmp_path, extra, needle):
    proj = copy_project(tmp_path)
    text = SAMPLE.read_text(encoding="utf-8").replace("    headline_lines: 10", f"    {extra}", 1)
    path = proj / "layouts" / "small.yaml"
    path.write_text(text, encoding="utf-8")
    lead = fit_spec(path).blocks[0]
    assert lead.state == "problem" and needle in lead.proposal


def test_photo_given_fewer_lines_than_its_aspect_ratio_needs_is_over(tmp_path, capsys):
    proj = copy_project(tmp_path)
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    concert = next(b for b in data["blocks"] if b["id"] == "concert")
    del concert["fit"], concert["focus"]                 # keep the aspect ratio
    concert["photo_lines"] = 30                          # it needs 40 at six columns
    path = proj / "layouts" / "squeezed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _, before = fit_json(capsys, path)
    c = {b["id"]: b for b in before["pages"][0]["blocks"]}["concert"]
    assert c["state"] == "over" and c["needs"] == 48     # title 4 + photo 40 + caption 4
    assert "photo needs 40 lines, has 30" in c["proposal"]
    assert "photo_lines 30 → 40" in c["proposal"]
    apply(path, before["pages"][0])
    _, after = fit_json(capsys, path)
    c = {b["id"]: b for b in after["pages"][0]["blocks"]}["concert"]
    assert c["state"] == "fits" and c["lines"] == c["needs"] == 48


# --- an edition --------------------------------------------------------------------------------

def test_fit_of_an_edition_sets_each_page_with_the_text_its_jump_carries(capsys):
    """Per page of the sample edition, as `render` sets it: the front lead fills its block and
    jumps on (it is not "short"), and the sample page's continuation holds the text the front
    page left over (not the page file's own story)."""
    _, data = fit_json(capsys, ROOT / "layouts" / "sample-edition.yaml")
    pages = data["pages"]
    assert [p["name"].split("-")[0] for p in pages] == ["1", "2", "3", "4"]
    blocks = {(p["name"].split("-")[0], b["id"]): b for p in pages for b in p["blocks"]}
    assert blocks["1", "front-lead"]["state"] == "fits"
    assert blocks["1", "front-lead"]["needs"] == blocks["1", "front-lead"]["lines"]
    jump = blocks["2", "jump"]
    assert jump["used_lines"] > 0 and jump["over_chars"] == 0
    alone = {b["id"]: b for b in fit_json(capsys, SAMPLE)[1]["pages"][0]["blocks"]}["jump"]
    assert jump["used_lines"] != alone["used_lines"]    # the edition's text, not the file's
