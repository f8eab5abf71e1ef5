from decimal import Decimal

import pytest

from aupres.care import scales

AGGIR_CASE = {"coherence": "B", "orientation": "B", "toilet": "C", "dressing": "C", "eating": "B",
              "elimination": "C", "transfers": "B", "moving_inside": "B", "moving_outside": "C", "communication": "A"}


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
    ("unknown", {}, "scale"),
])
def test_bad_answers_name_the_item(scale, answers, item):
    with pytest.raises(scales.ScaleError) as error:
        scales.score(scale, answers)
    assert error.value.item == item
