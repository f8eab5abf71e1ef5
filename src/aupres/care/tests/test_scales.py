from decimal import Decimal

import pytest

from aupres.care import scales

AGGIR_CASE = {"coherence": "B", "orientation": "B", "toilet": "C", "dressing": "C", "eating": "B",
              "elimination": "C", "transfers": "B", "moving_inside": "B", "moving_outside": "C", "communication": "A"}


# The same case coded through the sub-variables (annexe 2-1), with the illustrative variables.
AGGIR_GRID = {"coherence_communication": "A", "coherence_behaviour": "B",  # AB -> B
              "orientation_time": "B", "orientation_space": "A",  # BA -> B
              "toilet_upper": "C", "toilet_lower": "C",  # CC -> C
              "dressing_upper": "C", "dressing_middle": "C", "dressing_lower": "C",  # CCC -> C
              "eating_serving": "C", "eating_eating": "A",  # CA -> B (only BC and CB give C)
              "elimination_urinary": "C", "elimination_faecal": "A",  # CA -> C (one part not done at all)
              "transfers": "B", "moving_inside": "B", "moving_outside": "C", "communication": "A",
              "management": "C", "cooking": "C", "housework": "C", "transport": "B", "shopping": "C",
              "treatment": "B", "leisure": "B"}


def test_a_full_aggir_grid_with_sub_variables_gives_the_same_gir():
    answers, score, level = scales.score("aggir", AGGIR_GRID)
    assert {v: answers[v] for v in AGGIR_CASE} == AGGIR_CASE
    assert answers["rank"] == 8 and score == 3 and level == "gir3"
    assert answers["treatment"] == "B" and answers["toilet_upper"] == "C"  # everything asked is kept


def test_illustrative_variables_are_optional_and_weigh_nothing():
    bare = {k: v for k, v in AGGIR_GRID.items() if k not in dict(scales.AGGIR_ILLUSTRATIVE)}
    other = dict(AGGIR_GRID, management="A", cooking="A", housework="A", shopping="A")
    assert scales.score("aggir", bare)[1:] == scales.score("aggir", other)[1:] == (3, "gir3")


@pytest.mark.parametrize("variable, codes, expected", [
    ("toilet", "AA", "A"), ("toilet", "CC", "C"), ("toilet", "AC", "B"), ("toilet", "BB", "B"),
    ("dressing", "AAA", "A"), ("dressing", "CCC", "C"), ("dressing", "CCB", "B"), ("dressing", "ABC", "B"),
    ("eating", "BC", "C"), ("eating", "CB", "C"), ("eating", "AC", "B"), ("eating", "CA", "B"),
    ("elimination", "AC", "C"), ("elimination", "BC", "C"), ("elimination", "AB", "B"), ("elimination", "AA", "A"),
    ("coherence", "CB", "C"), ("coherence", "AC", "C"), ("coherence", "AB", "B"), ("coherence", "BB", "B"),
    ("orientation", "CC", "C"), ("orientation", "CA", "C"), ("orientation", "BA", "B"),
])
def test_a_variable_follows_from_its_sub_variables(variable, codes, expected):
    assert scales.aggir_variable(variable, codes) == expected


def test_a_sub_variable_left_blank_is_named():
    with pytest.raises(scales.ScaleError) as error:
        scales.score("aggir", dict(AGGIR_GRID, dressing_middle=""))
    assert error.value.item == "dressing_middle"


def test_a_full_aggir_case_computed_by_hand():
    """Annexe 2-2 CASF, by hand:
    group A: 0 + 0 + 40 + 40 + 20 + 100 + 120 + 32 = 352 < 3390 -> group B;
    group B: 320 + 120 + 40 + 40 + 0 + 100 + 120 - 40 = 700 < 2016 -> group C;
    group C: 0 + 0 + 40 + 40 + 20 + 160 + 200 + 40 = 500 < 1432 -> group D;
    group D: 0 + 0 + 0 + 0 + 200 + 400 + 200 + 0 = 800 < 2400 -> group E;
    group E: 0 + 0 + 400 + 400 + 100 + 800 + 100 + 0 = 1800 >= 1200 -> rank 8 -> GIR 3."""
    answers, score, level = scales.score("aggir", AGGIR_CASE)
    assert answers["rank"] == 8 and score == 3 and level == "gir3"


@pytest.mark.parametrize("modality, rank, gir", [("C", 1, 1), ("A", 13, 6)])
def test_aggir_extremes(modality, rank, gir):
    # All C: group A sums 2000+1200+40+40+60+100+800+200 = 4440 >= 4380 -> rank 1. All A: every sum is 0 -> rank 13.
    answers, score, level = scales.score("aggir", dict.fromkeys(AGGIR_CASE, modality))
    assert (answers["rank"], score, level) == (rank, gir, f"gir{gir}")


def test_aggir_rank_two_and_group_h():
    # Coherence C, orientation C, the rest A: group A = 3200 < 3390; B = 2700 >= 2016 -> rank 4 -> GIR 2.
    case = dict.fromkeys(AGGIR_CASE, "A") | {"coherence": "C", "orientation": "C"}
    assert scales.aggir_rank(case) == 4
    # Washing and dressing B only: A=32, B=32, C=32, D=0, E=200, F=200, G=400, H=4000 >= 4000 -> rank 11 -> GIR 4.
    case = dict.fromkeys(AGGIR_CASE, "A") | {"toilet": "B", "dressing": "B"}
    assert scales.aggir_rank(case) == 11 and scales.RANK_TO_GIR[11] == 4


def test_morse_by_hand():
    # 25 (fell) + 15 (second diagnosis) + 15 (cane) + 0 + 10 (weak gait) + 0 = 65 >= 45: high risk.
    _a, score, level = scales.score("fall_morse", {"history": "yes", "secondary_diagnosis": "yes", "aid": "crutches",
                                                   "iv": "no", "gait": "weak", "mental": "oriented"})
    assert (score, level) == (65, "high")


def test_braden_by_hand():
    # 2 + 3 + 2 + 2 + 2 + 2 = 13: moderate risk (13–14).
    _a, score, level = scales.score("pressure_braden", {"sensory": "2", "moisture": "3", "activity": "2",
                                                        "mobility": "2", "nutrition": "2", "friction": "2"})
    assert (score, level) == (13, "moderate")


def test_mna_with_the_bmi_computed_from_weight_and_height():
    # BMI 52 / 1.70² = 17.99 -> 18.0 < 19: 0 point; 1 + 2 + 2 + 2 + 2 + 0 = 9: at risk (8–11).
    answers, score, level = scales.score("nutrition_mna", {
        "weight_kg": "52", "height_cm": "170", "intake": "moderate", "weight_loss": "1_3kg", "mobility": "out",
        "stress": "no", "neuro": "none"})
    assert answers["bmi"] == "18.0" and (score, level) == (9, "at_risk")
    assert scales.mna_bmi_points(Decimal("23")) == 3 and scales.mna_bmi_points(Decimal("22.9")) == 2


@pytest.mark.parametrize("pain, level", [(0, "none"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe"),
                                         (10, "severe")])
def test_pain_thresholds(pain, level):
    assert scales.score("pain_nrs", {"pain": pain})[2] == level


@pytest.mark.parametrize("scale, answers, item", [
    ("pain_nrs", {"pain": 11}, "pain"), ("pain_nrs", {}, "pain"), ("pain_nrs", {"pain": "nan"}, "pain"),
    ("fall_morse", {"history": "maybe"}, "history"), ("aggir", dict(AGGIR_CASE, eating="D"), "eating"),
    ("aggir", dict(AGGIR_GRID, eating_serving="D"), "eating_serving"),
    ("aggir", dict(AGGIR_GRID, leisure="D"), "leisure"),
    ("unknown", {}, "scale"),
])
def test_bad_answers_name_the_item(scale, answers, item):
    with pytest.raises(scales.ScaleError) as error:
        scales.score(scale, answers)
    assert error.value.item == item


# The guide's adverbs (annexe 2-1): the person does it spontaneously (S), fully (T), correctly (C), usually (H).
@pytest.mark.parametrize("ticked, expected", [
    ("STCH", "A"), ("HCTS", "A"), ("", "C"), ("S", "B"), ("STC", "B"), ("TH", "B"),
])
def test_the_adverbs_met_give_the_code(ticked, expected):
    assert scales.aggir_code_from_adverbs(ticked) == expected


# One way of meeting adverbs for each code: all four for A, some for B, none ("-") for C.
_ADVERBS_FOR = {"A": "STCH", "B": "SC", "C": "-"}


def test_a_full_grid_coded_through_the_adverbs_gives_the_same_gir_and_keeps_them():
    by_adverbs = {f"{item}_adverbs": _ADVERBS_FOR[code] for item, code in AGGIR_GRID.items()}
    answers, score, level = scales.score("aggir", by_adverbs)
    assert {v: answers[v] for v in AGGIR_CASE} == AGGIR_CASE
    assert (score, level) == (3, "gir3")
    assert answers["toilet_upper"] == "C" and answers["toilet_upper_adverbs"] == "-"
    assert answers["coherence_behaviour"] == "B" and answers["coherence_behaviour_adverbs"] == "SC"
    assert answers["communication_adverbs"] == "STCH"


def test_adverbs_and_codes_mix_and_are_kept_in_the_guides_order():
    grid = dict(AGGIR_GRID, transfers="", transfers_adverbs="HCS", communication_adverbs="HTCS")
    answers, score, level = scales.score("aggir", grid)
    assert answers["transfers"] == "B" and answers["transfers_adverbs"] == "SCH"
    assert answers["communication"] == "A" and answers["communication_adverbs"] == "STCH"
    assert (score, level) == (3, "gir3")


@pytest.mark.parametrize("answers, item", [
    ({"transfers": "A", "transfers_adverbs": "ST"}, "transfers"),  # two adverbs give B, not A
    ({"transfers": "B", "transfers_adverbs": "-"}, "transfers"),  # none gives C
    ({"transfers_adverbs": "SX"}, "transfers_adverbs"),  # not an adverb
])
def test_a_code_that_contradicts_its_adverbs_is_refused(answers, item):
    with pytest.raises(scales.ScaleError) as error:
        scales.score("aggir", dict(AGGIR_GRID, **answers))
    assert error.value.item == item


def test_the_form_takes_the_adverbs_as_ticked_boxes():
    from django.http import QueryDict

    from aupres.care.forms import scale_form

    data = QueryDict(mutable=True)
    for item, code in AGGIR_GRID.items():
        data[item] = code
    data["transfers"] = ""
    data.setlist("transfers_adverbs", ["H", "S"])
    form = scale_form("aggir", data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["transfers_adverbs"] == "SH" and form.cleaned_data["cooking_adverbs"] == ""
    answers, score, _level = scales.score("aggir", {k: str(v) for k, v in form.cleaned_data.items()})
    assert answers["transfers"] == "B" and score == 3
